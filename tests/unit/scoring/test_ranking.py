"""The leaderboard rule (issue 7), pseudonyms and pagination."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from edu.scoring import AttemptResult, LeaderboardInput, paginate, pseudonym, rank_rows

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


def attempt(score: float, minutes: int, *, late: bool = False) -> AttemptResult:
    return AttemptResult(score=score, max_score=20, completed_at=at(minutes), late=late)


def row(learner, assignment, *attempts: AttemptResult) -> LeaderboardInput:
    return LeaderboardInput(learner_id=learner, assignment_id=assignment, attempts=attempts)


def standings(rows, **options) -> list[tuple]:
    return [(r.learner_id, r.rank, r.total) for r in rank_rows(rows, **options)]


class TestTotals:
    def test_total_is_the_sum_of_the_best_score_on_each_assignment(self):
        [ranked] = rank_rows(
            [
                row(1, "a", attempt(12, 1), attempt(18, 5), attempt(15, 9)),
                row(1, "b", attempt(7, 3)),
            ]
        )
        assert ranked.total == 25
        assert ranked.max_total == 40
        assert {k: v.score for k, v in ranked.best.items()} == {"a": 18, "b": 7}

    def test_higher_total_ranks_first_whatever_the_time(self):
        rows = [row(1, "a", attempt(10, 1)), row(2, "a", attempt(15, 50))]
        assert standings(rows) == [(2, 1, 15), (1, 2, 10)]

    def test_rows_for_the_same_learner_and_assignment_are_merged(self):
        rows = [row(1, "a", attempt(10, 1)), row(1, "a", attempt(14, 2))]
        assert standings(rows) == [(1, 1, 14)]

    def test_input_order_does_not_change_the_result(self):
        rows = [
            row(learner, assignment, *(attempt(score, minute) for score, minute in tries))
            for learner, assignment, tries in [
                (1, "a", [(10, 1), (10, 4)]),
                (2, "a", [(10, 2), (9, 1)]),
                (3, "a", [(10, 2)]),
                (3, "b", [(0.1, 3)]),
                (4, "b", [(0.2, 3)]),
                (4, "a", [(9.9, 1)]),
            ]
        ]
        expected = rank_rows(rows)
        shuffled = rows[:]
        for seed in range(5):
            random.Random(seed).shuffle(shuffled)
            assert rank_rows(shuffled) == expected

    def test_enrolled_learner_without_attempts_is_last_with_no_time(self):
        rows = [row(2, "a"), row(1, "a", attempt(0, 5))]
        ranked = rank_rows(rows)
        assert [(r.learner_id, r.rank, r.total, r.reached_at) for r in ranked] == [
            (1, 1, 0, at(5)),
            (2, 2, 0, None),
        ]
        assert ranked[1].best == {}

    def test_no_rows_is_an_empty_board(self):
        assert rank_rows([]) == []


class TestTieBreaks:
    def test_equal_totals_go_to_whoever_reached_them_first(self):
        rows = [row(1, "a", attempt(10, 30)), row(2, "a", attempt(10, 20))]
        assert standings(rows) == [(2, 1, 10), (1, 2, 10)]

    def test_time_reached_is_the_latest_of_the_attempts_that_count(self):
        rows = [
            row(1, "a", attempt(10, 1)),
            row(1, "b", attempt(10, 40)),
            row(2, "a", attempt(10, 10)),
            row(2, "b", attempt(10, 30)),
        ]
        ranked = rank_rows(rows)
        assert [(r.learner_id, r.reached_at) for r in ranked] == [(2, at(30)), (1, at(40))]

    def test_a_retake_that_only_equals_the_best_cannot_leapfrog(self):
        # Learner 1 reached 18 first (minute 5), retook at minute 60 and scored 18 again.
        # Learner 2 reached 18 at minute 30. The retake must not move learner 1's time.
        rows = [
            row(1, "a", attempt(18, 5), attempt(18, 60)),
            row(2, "a", attempt(18, 30)),
        ]
        ranked = rank_rows(rows)
        assert [(r.learner_id, r.rank) for r in ranked] == [(1, 1), (2, 2)]
        assert ranked[0].reached_at == at(5)

    def test_earliest_equal_best_counts_whatever_the_attempt_order(self):
        rows = [row(1, "a", attempt(18, 60), attempt(12, 1), attempt(18, 5))]
        assert rank_rows(rows)[0].reached_at == at(5)

    def test_an_improvement_moves_the_time_to_the_improving_attempt(self):
        rows = [row(1, "a", attempt(15, 5), attempt(18, 60)), row(2, "a", attempt(18, 30))]
        assert standings(rows) == [(2, 1, 18), (1, 2, 18)]

    def test_exact_ties_share_a_rank_and_the_next_rank_skips(self):
        rows = [
            row(4, "a", attempt(20, 1)),
            row(3, "a", attempt(15, 2)),
            row(2, "a", attempt(15, 2)),
            row(1, "a", attempt(10, 2)),
        ]
        # 1, 2, 2, 4; learner id only orders within the shared rank.
        assert standings(rows) == [(4, 1, 20), (2, 2, 15), (3, 2, 15), (1, 4, 10)]

    def test_same_total_at_a_different_second_is_not_a_tie(self):
        rows = [
            row(1, "a", AttemptResult(10, 20, START + timedelta(seconds=1))),
            row(2, "a", AttemptResult(10, 20, START)),
        ]
        assert standings(rows) == [(2, 1, 10), (1, 2, 10)]

    def test_int_and_str_learner_ids_order_without_error(self):
        rows = [row("b", "a", attempt(10, 1)), row(7, "a", attempt(10, 1))]
        assert [r.learner_id for r in rank_rows(rows)] == [7, "b"]
        assert {r.rank for r in rank_rows(rows)} == {1}


class TestLatePolicy:
    rows = [
        row(1, "a", attempt(10, 1), attempt(20, 90, late=True)),
        row(1, "b", attempt(5, 95, late=True)),
        row(2, "a", attempt(15, 2)),
    ]

    def test_late_attempts_count_when_the_course_allows(self):
        assert standings(self.rows, count_late=True) == [(1, 1, 25), (2, 2, 15)]

    def test_late_attempts_are_ignored_when_the_course_says_so(self):
        ranked = rank_rows(self.rows, count_late=False)
        assert [(r.learner_id, r.rank, r.total) for r in ranked] == [(2, 1, 15), (1, 2, 10)]
        # An assignment with only late attempts has no grade, not 0.
        assert "b" not in ranked[1].best
        assert ranked[1].reached_at == at(1)

    def test_late_attempts_count_by_default(self):
        assert standings(self.rows) == standings(self.rows, count_late=True)


class TestPseudonym:
    def test_is_stable_and_shaped_like_p_hex(self):
        first = pseudonym("course-secret", 42)
        assert first == pseudonym("course-secret", 42)
        assert first.startswith("p-") and len(first) == 10
        int(first[2:], 16)

    def test_is_a_truncated_hmac_sha256_of_the_learner_id(self):
        import hashlib
        import hmac

        digest = hmac.new(b"s3cret", b"42", hashlib.sha256).hexdigest()
        assert pseudonym(b"s3cret", 42) == "p-" + digest[:8]
        assert pseudonym("s3cret", "42") == pseudonym(b"s3cret", 42)

    def test_differs_between_learners(self):
        names = {pseudonym("course-secret", learner) for learner in range(2000)}
        assert len(names) == 2000

    def test_differs_between_courses(self):
        assert pseudonym("course-a", 42) != pseudonym("course-b", 42)

    def test_length_can_be_chosen_within_bounds(self):
        assert len(pseudonym("s", 1, length=6)) == 8
        for bad in (5, 65):
            with pytest.raises(ValueError, match="6 to 64"):
                pseudonym("s", 1, length=bad)

    @pytest.mark.parametrize("secret", ["", b""])
    def test_refuses_an_empty_secret(self, secret):
        with pytest.raises(ValueError, match="non-empty"):
            pseudonym(secret, 1)


class TestPaginate:
    items = list(range(1, 26))

    def test_slices_and_counts_pages(self):
        page = paginate(self.items, 2, 10)
        assert list(page.items) == list(range(11, 21))
        assert (page.number, page.pages, page.total) == (2, 3, 25)
        assert page.has_previous and page.has_next

    def test_last_page_is_partial(self):
        page = paginate(self.items, 3, 10)
        assert list(page.items) == [21, 22, 23, 24, 25]
        assert not page.has_next

    @pytest.mark.parametrize(("asked", "shown"), [(0, 1), (-3, 1), (4, 3), (99, 3)])
    def test_out_of_range_pages_are_clamped(self, asked, shown):
        assert paginate(self.items, asked, 10).number == shown

    def test_an_empty_board_has_one_empty_page(self):
        page = paginate([], 1, 10)
        assert (list(page.items), page.pages, page.has_previous, page.has_next) == (
            [],
            1,
            False,
            False,
        )

    def test_per_page_must_be_positive(self):
        with pytest.raises(ValueError, match="per_page"):
            paginate(self.items, 1, 0)
