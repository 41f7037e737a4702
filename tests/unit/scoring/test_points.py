"""Verdict and quiz points, points schemes, attempt totals."""

import pytest

from edu.scoring import (
    DEFAULT_POINTS,
    VERDICTS,
    AttemptTotals,
    ChoiceScore,
    InvalidPointsScheme,
    PointsScheme,
    UnknownVerdict,
    percent,
    score_judgement,
    score_quiz_answer,
)


class TestScoreJudgement:
    @pytest.mark.parametrize(
        ("verdict", "points", "safety_error"),
        [
            ("preferred", 10, False),
            ("acceptable", 5, False),
            ("not_recommended", 0, False),
            ("contraindicated", 0, True),
        ],
    )
    def test_default_points_follow_the_contract(self, verdict, points, safety_error):
        assert score_judgement(verdict) == ChoiceScore(points, 10, safety_error)

    def test_default_points_are_the_documented_ones(self):
        assert dict(DEFAULT_POINTS) == {
            "preferred": 10,
            "acceptable": 5,
            "not_recommended": 0,
            "contraindicated": 0,
        }
        assert tuple(DEFAULT_POINTS) == VERDICTS

    def test_default_points_cannot_be_changed_by_a_caller(self):
        with pytest.raises(TypeError):
            DEFAULT_POINTS["acceptable"] = 9  # type: ignore[index]

    def test_unknown_verdict_is_named(self):
        with pytest.raises(UnknownVerdict, match="'recommended'"):
            score_judgement("recommended")

    def test_course_scheme_as_plain_mapping(self):
        scheme = {"preferred": 4, "acceptable": 3, "not_recommended": 1, "contraindicated": 0}
        assert score_judgement("acceptable", scheme) == ChoiceScore(3, 4, False)

    def test_contraindicated_stays_a_safety_error_whatever_it_earns(self):
        scheme = PointsScheme.with_overrides({"contraindicated": 1})
        assert score_judgement("contraindicated", scheme) == ChoiceScore(1, 10, True)

    def test_pitfalls_of_the_judgement_are_kept(self):
        score = score_judgement("not_recommended", pitfalls=["P1", "P3"])
        assert score.pitfalls == ("P1", "P3")


class TestPointsScheme:
    def test_overrides_change_only_what_they_name(self):
        scheme = PointsScheme.with_overrides({"acceptable": 7})
        assert dict(scheme) == {**DEFAULT_POINTS, "acceptable": 7}
        assert scheme.full_marks == 10

    def test_no_overrides_is_the_default(self):
        assert PointsScheme.with_overrides(None) == DEFAULT_POINTS

    def test_preferred_may_equal_another_verdict(self):
        assert PointsScheme.with_overrides({"acceptable": 10})["acceptable"] == 10

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"acceptable": -1}, ">= 0"),
            ({"acceptable": 11}, "'preferred' must earn the most"),
            ({"preferred": 0, "acceptable": 0}, "above 0"),
            ({"acceptable": 2.5}, "whole number"),
            ({"acceptable": True}, "whole number"),
            ({"excellent": 12}, "unknown verdict 'excellent'"),
        ],
    )
    def test_invalid_schemes_are_refused(self, overrides, message):
        with pytest.raises(InvalidPointsScheme, match=message):
            PointsScheme.with_overrides(overrides)

    def test_every_verdict_is_required(self):
        with pytest.raises(InvalidPointsScheme, match="missing: contraindicated"):
            PointsScheme({"preferred": 10, "acceptable": 5, "not_recommended": 0})

    def test_a_plain_mapping_is_validated_when_scoring(self):
        with pytest.raises(InvalidPointsScheme):
            score_judgement("preferred", {"preferred": 1, "acceptable": 5})


class TestQuizAnswer:
    def test_correct_answer_earns_full_marks(self):
        assert score_quiz_answer(True) == ChoiceScore(10, 10, False)

    def test_incorrect_answer_earns_nothing_and_is_not_a_safety_error(self):
        assert score_quiz_answer(False) == ChoiceScore(0, 10, False)

    def test_full_marks_follow_the_course_scheme(self):
        scheme = PointsScheme.with_overrides({"preferred": 4, "acceptable": 2})
        assert score_quiz_answer(True, scheme).points == 4

    def test_pitfalls_count_only_for_a_wrong_answer(self):
        assert score_quiz_answer(True, pitfalls=["P10"]).pitfalls == ()
        assert score_quiz_answer(False, pitfalls=["P10"]).pitfalls == ("P10",)


class TestAttemptTotals:
    def test_sums_points_maxima_and_safety_errors(self):
        totals = AttemptTotals.from_choices(
            [
                score_judgement("preferred"),
                score_judgement("acceptable"),
                score_judgement("contraindicated", pitfalls=["P7"]),
                score_quiz_answer(False, pitfalls=["P10"]),
            ]
        )
        assert (totals.points, totals.max_points, totals.choices) == (15, 40, 4)
        assert totals.safety_errors == 1
        assert totals.percent == 37.5

    def test_pitfalls_are_listed_once_in_first_hit_order_and_every_hit_counts(self):
        choices = (
            score_judgement("not_recommended", pitfalls=pitfalls)
            for pitfalls in (["P3"], ["P1", "P3"], [])
        )
        totals = AttemptTotals.from_choices(choices)  # a generator is enough
        assert totals.pitfalls == ("P3", "P1")
        assert totals.pitfall_hits == 3

    def test_no_choices_is_no_score_rather_than_zero_percent(self):
        totals = AttemptTotals.from_choices([])
        assert totals == AttemptTotals()
        assert totals.percent is None


@pytest.mark.parametrize(
    ("points", "max_points", "expected"),
    [
        (15, 20, 75.0),
        (1, 3, 33.3),
        (2, 3, 66.7),
        (1, 16, 6.3),  # 6.25: halves round up, not to even
        (1, 8, 12.5),
        (0, 10, 0.0),
        (10, 10, 100.0),
        (17.5, 20, 87.5),
        (5, 0, None),
    ],
)
def test_percent_has_one_decimal_and_rounds_halves_up(points, max_points, expected):
    assert percent(points, max_points) == expected
