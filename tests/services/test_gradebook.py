"""Standings, the leaderboard page and every export, from database rows to exact lines."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from types import GeneratorType

import pytest
from flask import current_app
from sqlalchemy import select

from edu.exports.cells import format_timestamp, timestamp_cell
from edu.extensions import db
from edu.models import Attempt, Choice, User
from edu.models._time import utc_text
from edu.scoring import pseudonym
from edu.services import courses, gradebook
from tests.course_factories import at, make_attempt, make_case, make_choice, make_user
from tests.factories import create_course, enrol

BOM = "\ufeff"


def learner(course, name, email, **fields):
    # Direct rows: password hashing for hundreds of learners would dominate the test time.
    user = User(name=name, email=email, password_hash="!", role="resident", **fields)
    db.session.add(user)
    db.session.commit()
    enrol(course, user)
    return user


@pytest.fixture
def world(app):
    """The course of GRADEBOOK-IMPORTS.md: a case due at +60 min with a Canvas id, a quiz."""
    owner = make_user("instructor", name="Irene Instructor")
    course = create_course(owner, "HER2 module: spring")
    case = make_case("her2-first-line", "HER2 first line")
    quiz = make_case("her2-quiz-1", "HER2 quiz 1", kind="quiz", decisions=1)
    case_a = courses.assign(course, case.id, due_at=at(60), canvas_assignment_id="48213")
    quiz_a = courses.assign(course, quiz.id)
    jane = learner(course, "Doe, Jane", "jdoe@med.example.edu", sis_user_id="MED-00123")
    ravi = learner(course, "Ravi Patel", "ravi@med.example.edu")
    zoe = learner(course, "Zoe Ng", "zoe@med.example.edu")
    make_attempt(jane, case, course, points=17.5, completed_at=at(30))
    make_attempt(jane, quiz, course, points=10, max_points=10, completed_at=at(40))
    make_attempt(ravi, case, course, points=15, completed_at=at(10))
    make_attempt(ravi, case, course, points=20, completed_at=at(90))  # late
    make_attempt(ravi, quiz, course, points=10, max_points=10, completed_at=at(20))
    return {
        "owner": owner,
        "course": course,
        "case": case,
        "quiz": quiz,
        "case_a": case_a,
        "quiz_a": quiz_a,
        "jane": jane,
        "ravi": ravi,
        "zoe": zoe,
    }


def ranking(course):
    result = gradebook.standings(course)
    names = {u.id: u.name for u in db.session.query(User)}
    return [(names[r.learner_id], r.rank, r.total) for r in result.ranked]


class TestStandings:
    def test_rank_by_sum_of_best_scores_with_late_attempts_counting(self, world):
        assert ranking(world["course"]) == [
            ("Ravi Patel", 1, 30),
            ("Doe, Jane", 2, 27.5),
            ("Zoe Ng", 3, 0),
        ]

    def test_late_attempts_are_ignored_when_the_course_says_so(self, world):
        world["course"].late_attempts_count = False
        assert ranking(world["course"]) == [
            ("Doe, Jane", 1, 27.5),
            ("Ravi Patel", 2, 25),
            ("Zoe Ng", 3, 0),
        ]

    def test_an_attempt_exactly_at_the_due_time_is_on_time(self, world):
        world["course"].late_attempts_count = False
        make_attempt(world["zoe"], world["case"], world["course"], points=20, completed_at=at(60))
        assert ranking(world["course"])[2] == ("Zoe Ng", 3, 20)

    def test_ties_go_to_whoever_reached_the_total_first_and_exact_ties_share(self, app):
        owner = make_user("instructor")
        course = create_course(owner)
        case = make_case("c")
        courses.assign(course, case.id)
        early, late, same, other = (
            learner(course, n, f"{n}@x.edu") for n in ("early", "late", "same", "other")
        )
        make_attempt(late, case, course, points=10, completed_at=at(5))
        make_attempt(early, case, course, points=10, completed_at=at(1))
        make_attempt(same, case, course, points=10, completed_at=at(5))
        make_attempt(other, case, course, points=4, completed_at=at(0))
        ranked = ranking(course)
        assert ranked[0] == ("early", 1, 10)
        assert {ranked[1][0], ranked[2][0]} == {"late", "same"}
        assert [r[1] for r in ranked] == [1, 2, 2, 4]

    def test_a_retake_with_the_same_score_does_not_move_the_time(self, app):
        owner = make_user("instructor")
        course = create_course(owner)
        case = make_case("c")
        courses.assign(course, case.id)
        first, second = learner(course, "first", "f@x.edu"), learner(course, "second", "s@x.edu")
        make_attempt(first, case, course, points=10, completed_at=at(1))
        make_attempt(second, case, course, points=10, completed_at=at(2))
        make_attempt(first, case, course, points=10, completed_at=at(3))
        result = gradebook.standings(course)
        assert [(r.learner_id, r.rank, r.reached_at) for r in result.ranked] == [
            (first.id, 1, at(1)),
            (second.id, 2, at(2)),
        ]

    def test_only_completed_non_preview_attempts_of_assigned_cases_in_this_course(self, world):
        course, zoe, case = world["course"], world["zoe"], world["case"]
        other_course = create_course(world["owner"], "Other")
        unassigned = make_case("not-assigned")
        make_attempt(zoe, case, course, points=20, completed_at=at(1), preview=True)
        make_attempt(zoe, case, course, points=20, status="in_progress")
        make_attempt(zoe, case, other_course, points=20, completed_at=at(1))
        make_attempt(zoe, case, None, points=20, completed_at=at(1))
        make_attempt(zoe, unassigned, course, points=20, completed_at=at(1))
        # Instructors play too, but they are not ranked.
        make_attempt(world["owner"], case, course, points=20, completed_at=at(1))
        assert ranking(course)[-1] == ("Zoe Ng", 3, 0)
        assert len(ranking(course)) == 3

    def test_assignment_columns_carry_title_points_possible_and_canvas_id(self, world):
        columns = gradebook.standings(world["course"]).assignments
        assert [(a.id, a.title, a.points_possible, a.canvas_id) for a in columns] == [
            (world["case_a"].id, "HER2 first line", 20, 48213),
            (world["quiz_a"].id, "HER2 quiz 1", 10, None),
        ]

    def test_points_possible_is_estimated_before_anyone_finishes(self, app):
        course = create_course(make_user("instructor"))
        courses.assign(course, make_case("c", decisions=3).id)
        (column,) = gradebook.standings(course).assignments
        assert column.points_possible == 30  # 3 decisions x 10 points for "preferred"


class TestStandingsCache:
    """The rule documented on :func:`gradebook.standings`: an unchanged course answers from
    the cache, and anything the standings depend on makes them be computed again."""

    @pytest.fixture
    def computed(self, monkeypatch):
        calls = []
        real = gradebook.rank_rows
        monkeypatch.setattr(
            gradebook, "rank_rows", lambda rows, **kw: calls.append(1) or real(rows, **kw)
        )
        return calls

    def test_an_unchanged_course_answers_from_the_cache(self, world, computed):
        first = gradebook.standings(world["course"])
        again = gradebook.standings(world["course"])
        assert again == first
        assert len(computed) == 1

    def test_a_new_completed_attempt_changes_the_standings(self, world, computed):
        course = world["course"]
        assert ranking(course)[-1] == ("Zoe Ng", 3, 0)
        make_attempt(world["zoe"], world["quiz"], course, points=10, completed_at=at(5))
        assert ranking(course)[-1] == ("Zoe Ng", 3, 10)
        assert len(computed) == 2

    def test_an_attempt_completing_later_changes_the_standings(self, world, computed):
        course = world["course"]
        attempt = make_attempt(world["zoe"], world["quiz"], course, points=0, status="in_progress")
        assert ranking(course)[-1] == ("Zoe Ng", 3, 0)
        attempt.points, attempt.status, attempt.completed_at = 9, "completed", at(7)
        db.session.commit()
        assert ranking(course)[-1] == ("Zoe Ng", 3, 9)

    def test_in_progress_and_preview_attempts_leave_the_cache_alone(self, world, computed):
        course, zoe = world["course"], world["zoe"]
        gradebook.standings(course)
        make_attempt(zoe, world["case"], course, points=20, status="in_progress")
        make_attempt(zoe, world["case"], course, points=20, completed_at=at(1), preview=True)
        gradebook.standings(course)
        assert len(computed) == 1

    def test_a_rescored_attempt_changes_the_standings(self, world, computed):
        course = world["course"]
        assert ranking(course)[0] == ("Ravi Patel", 1, 30)
        # Re-scoring goes through the ORM, which bumps the attempt's lock_version.
        late = db.session.query(Attempt).filter_by(user_id=world["ravi"].id, points=20).one()
        late.points = 5
        db.session.commit()
        assert ranking(course)[0] == ("Doe, Jane", 1, 27.5)

    def test_settings_assignments_and_residents_change_the_standings(self, world, computed):
        course = world["course"]
        gradebook.standings(course)
        courses.update_settings(
            course, leaderboard_visible=True, late_attempts_count=False, pseudonyms=False
        )
        assert ranking(course)[0] == ("Doe, Jane", 1, 27.5)
        courses.unassign(course, world["quiz_a"].id)
        assert [a.title for a in gradebook.standings(course).assignments] == ["HER2 first line"]
        learner(course, "New Comer", "new@x.edu")
        assert ranking(course)[-1] == ("New Comer", 3, 0)  # shares 0, no time, with Zoe
        world["case"].published_version.title = "Renamed"
        db.session.commit()
        assert [a.title for a in gradebook.standings(course).assignments] == ["Renamed"]
        assert len(computed) == 5

    def test_the_cache_belongs_to_the_app(self, world, computed):
        gradebook.standings(world["course"])
        current_app.extensions.pop("edu.gradebook.standings")
        gradebook.standings(world["course"])
        assert len(computed) == 2


class TestLeaderboardPage:
    def test_the_viewer_sees_their_own_name_and_pseudonyms_for_others(self, world):
        course = world["course"]
        course.pseudonyms = True
        board = gradebook.leaderboard_page(course, world["jane"])
        rows = board.page.items
        assert board.names_hidden
        assert [(r.rank, r.is_viewer, r.pseudonymous) for r in rows] == [
            (1, False, True),
            (2, True, False),
            (3, False, True),
        ]
        assert rows[1].name == "Doe, Jane"
        assert rows[0].name == gradebook.leaderboard_pseudonym(course, world["ravi"].id)
        assert rows[0].name.startswith("p-") and "Ravi" not in rows[0].name
        # Not the research pseudonym: the two cannot be joined.
        assert rows[0].name != pseudonym(course.secret, world["ravi"].id)
        assert rows[0].scores == (20, 10)
        assert rows[2].scores == (None, None)

    def test_instructors_always_see_names(self, world):
        world["course"].pseudonyms = True
        board = gradebook.leaderboard_page(world["course"], world["owner"])
        assert [r.name for r in board.page.items] == ["Ravi Patel", "Doe, Jane", "Zoe Ng"]
        assert board.viewer_rank is None and not board.names_hidden

    def test_names_are_shown_when_pseudonyms_are_off(self, world):
        board = gradebook.leaderboard_page(world["course"], world["zoe"])
        assert [r.name for r in board.page.items] == ["Ravi Patel", "Doe, Jane", "Zoe Ng"]

    def test_pages_and_where_the_viewer_is(self, world):
        board = gradebook.leaderboard_page(world["course"], world["zoe"], page=1, per_page=2)
        assert (board.page.number, board.page.pages, board.page.total) == (1, 2, 3)
        assert (board.viewer_rank, board.viewer_page) == (3, 2)
        assert not any(r.is_viewer for r in board.page.items)
        last = gradebook.leaderboard_page(world["course"], world["zoe"], page=9, per_page=2)
        assert last.page.number == 2
        assert [r.is_viewer for r in last.page.items] == [True]


def text(lines) -> str:
    return "".join(lines)


class TestExports:
    def test_leaderboard_csv_exact(self, world):
        assert text(gradebook.export_lines(world["course"], "leaderboard")) == (
            f"{BOM}name,email,HER2 first line,HER2 quiz 1,total,rank,completed_at\r\n"
            "Ravi Patel,ravi@med.example.edu,20,10,30,1,2026-03-02T10:30:00Z\r\n"
            '"Doe, Jane",jdoe@med.example.edu,17.5,10,27.5,2,2026-03-02T09:40:00Z\r\n'
            "Zoe Ng,zoe@med.example.edu,,,0,3,\r\n"
        )

    def test_canvas_csv_exact(self, world):
        assert text(gradebook.export_lines(world["course"], "canvas")) == (
            f"{BOM}Student,ID,SIS User ID,SIS Login ID,Section,HER2 first line (48213),"
            "HER2 quiz 1\r\n"
            "Points Possible,,,,,20,10\r\n"
            "Ravi Patel,,,ravi@med.example.edu,,20,10\r\n"
            '"Doe, Jane",,MED-00123,jdoe@med.example.edu,,17.5,10\r\n'
            "Zoe Ng,,,zoe@med.example.edu,,,\r\n"
        )

    def test_canvas_uses_the_canvas_user_id_when_known(self, world):
        world["zoe"].canvas_user_id = "9917"
        db.session.commit()
        lines = list(gradebook.export_lines(world["course"], "canvas"))
        assert lines[-1] == "Zoe Ng,9917,,zoe@med.example.edu,,,\r\n"

    def test_moodle_csv_exact(self, world):
        world["course"].late_attempts_count = False
        assert text(gradebook.export_lines(world["course"], "moodle")) == (
            f"{BOM}Email address,ID number,First name,Last name,HER2 first line,HER2 quiz 1\r\n"
            "jdoe@med.example.edu,MED-00123,Jane,Doe,17.5,10\r\n"
            "ravi@med.example.edu,,Ravi,Patel,15,10\r\n"
            "zoe@med.example.edu,,Zoe,Ng,,\r\n"
        )

    def test_leaderboard_json(self, world):
        data = json.loads(text(gradebook.leaderboard_json_chunks(world["course"])))
        case_id, quiz_id = str(world["case_a"].id), str(world["quiz_a"].id)
        assert data[0] == {
            "rank": 1,
            "name": "Ravi Patel",
            "email": "ravi@med.example.edu",
            "scores": {case_id: 20, quiz_id: 10},
            "total": 30,
            "completed_at": "2026-03-02T10:30:00Z",
        }
        assert data[2]["scores"] == {case_id: None, quiz_id: None}
        assert data[2]["completed_at"] is None

    @pytest.fixture
    def decisions(self, world):
        course, jane, ravi, case = world["course"], world["jane"], world["ravi"], world["case"]
        attempt = make_attempt(jane, case, course, points=15, completed_at=at(50))
        make_choice(attempt, 1, decided_at=at(41) + timedelta(seconds=5))
        make_choice(
            attempt,
            2,
            decision="second_line",
            option="T_DXD",
            verdict="acceptable",
            points=5,
            decided_at=at(45),
            guideline_version="her2-mbc-2026.2",
        )
        # Unfinished attempts are research data; previews and instructors are not.
        open_attempt = make_attempt(ravi, case, course, status="in_progress")
        make_choice(
            open_attempt,
            1,
            option="TH_TAXANE",
            verdict="not_recommended",
            points=0,
            decided_at=at(46),
        )
        preview = make_attempt(ravi, case, course, preview=True, completed_at=at(47))
        make_choice(preview, 1, decided_at=at(47))
        own = make_attempt(world["owner"], case, course, completed_at=at(48))
        make_choice(own, 1, decided_at=at(48))
        return course

    def test_research_csv_exact(self, decisions):
        assert text(gradebook.export_lines(decisions, "research")) == (
            f"{BOM}learner,case,case_version,guideline_version,decision,option,verdict,points,"
            "decided_at\r\n"
            "jdoe@med.example.edu,her2-first-line,1,her2-mbc-2026.1,metastatic_line,"
            "THP_DOCETAXEL,preferred,10,2026-03-02T09:41:05Z\r\n"
            "jdoe@med.example.edu,her2-first-line,1,her2-mbc-2026.2,second_line,T_DXD,"
            "acceptable,5,2026-03-02T09:45:00Z\r\n"
            "ravi@med.example.edu,her2-first-line,1,her2-mbc-2026.1,metastatic_line,TH_TAXANE,"
            "not_recommended,0,2026-03-02T09:46:00Z\r\n"
        )

    def test_research_times_come_from_the_database_as_the_stored_second(self, decisions):
        # The export reads decided_at as text (utc_text: SQLite's stored form, PostgreSQL's
        # to_char). A fraction must be dropped, never rounded up, as format_timestamp does.
        choice = db.session.scalars(select(Choice).order_by(Choice.id)).first()
        choice.decided_at = datetime(2026, 3, 2, 23, 59, 59, 999_999)
        db.session.commit()
        lines = list(gradebook.export_lines(decisions, "research"))
        assert lines[1].endswith(",2026-03-02T23:59:59Z\r\n")
        stored = db.session.scalars(select(utc_text(Choice.decided_at)).order_by(Choice.id))
        assert [timestamp_cell(value) for value in stored][:3] == [
            format_timestamp(row.decided_at) for row in gradebook.decision_rows(decisions)
        ]

    def test_rows_are_read_ahead_in_a_thread_only_off_sqlite(self, decisions, monkeypatch):
        # SQLite's driver retakes the GIL for every row it steps: a reading thread would
        # slow the export down there (see gradebook._streamed).
        expected = text(gradebook.export_lines(decisions, "research"))
        used = []
        real = gradebook.prefetched
        monkeypatch.setattr(gradebook, "prefetched", lambda batches: used.append(1) or real(batches))
        assert text(gradebook.export_lines(decisions, "research")) == expected
        gradebook.standings(decisions)
        on_sqlite = db.engine.dialect.name == "sqlite"
        assert used == ([] if on_sqlite else [1, 1])

    def test_decision_rows_keep_datetimes(self, decisions):
        assert {type(row.decided_at) for row in gradebook.decision_rows(decisions)} == {datetime}

    def test_research_csv_pseudonymised(self, decisions, world):
        lines = list(gradebook.export_lines(decisions, "research", pseudonymise=True))
        body = "".join(lines)
        assert "@" not in body
        jane = pseudonym(decisions.secret, world["jane"].id)
        ravi = pseudonym(decisions.secret, world["ravi"].id)
        assert [line.split(",")[0] for line in lines[1:]] == [jane, jane, ravi]
        assert jane != ravi and jane.startswith("p-")

    def test_research_pages_through_choices_in_batches(self, decisions, monkeypatch):
        expected = list(gradebook.decision_rows(decisions))
        for batch in (1, 2, 3):
            monkeypatch.setattr(gradebook, "BATCH", batch)
            assert list(gradebook.decision_rows(decisions)) == expected
        assert len(expected) == 3

    def test_export_rows_load_learners_in_batches(self, world, monkeypatch):
        for n in range(7):
            learner(world["course"], f"Extra {n}", f"extra{n}@x.edu")
        expected = text(gradebook.export_lines(world["course"], "leaderboard"))
        monkeypatch.setattr(gradebook, "BATCH", 2)
        calls = []
        real = gradebook._users
        monkeypatch.setattr(gradebook, "_users", lambda ids: calls.append(len(ids)) or real(ids))
        assert text(gradebook.export_lines(world["course"], "leaderboard")) == expected
        assert calls == [2, 2, 2, 2, 2]

    def test_exports_are_lazy_iterators(self, world):
        lines = gradebook.export_lines(world["course"], "canvas")
        assert not isinstance(lines, list | tuple)
        assert next(iter(lines)).startswith(BOM + "Student,")
        assert isinstance(gradebook.decision_rows(world["course"]), GeneratorType)

    @pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
    def test_cells_starting_a_formula_are_neutralised(self, world, prefix):
        world["zoe"].name = f'{prefix}HYPERLINK("http://evil.test","x")'
        db.session.commit()
        world["case"].published_version.title = f"{prefix}cmd|' /C calc'!A0"
        db.session.commit()
        for kind in ("leaderboard", "canvas", "moodle"):
            body = text(gradebook.export_lines(world["course"], kind))
            if prefix.strip():  # titles are made one line, so tab and CR are dropped there
                assert f"'{prefix}cmd|' /C calc'!A0" in body, kind
            if kind != "moodle":
                assert f"'{prefix}HYPERLINK(" in body, kind
            for cell in (c.strip('"') for line in body.split("\r\n") for c in line.split(",")):
                assert not cell.startswith(prefix) or cell.lstrip("-").replace(".", "").isdigit()

    def test_negative_numbers_are_left_as_numbers(self, world):
        make_attempt(world["zoe"], world["quiz"], world["course"], points=-3, completed_at=at(5))
        lines = list(gradebook.export_lines(world["course"], "leaderboard"))
        assert lines[-1] == "Zoe Ng,zoe@med.example.edu,,-3,-3,3,2026-03-02T09:05:00Z\r\n"

    def test_unknown_kind_is_refused(self, world):
        with pytest.raises(gradebook.UnknownExport):
            gradebook.export_lines(world["course"], "excel")

    def test_file_names_are_plain_ascii(self, world):
        assert (
            gradebook.export_filename(world["course"], "canvas") == "her2-module-spring-canvas.csv"
        )
        world["course"].title = "Ωμέγα ✓"
        assert gradebook.export_filename(world["course"], "research") == "course-research.csv"


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Doe, Jane", ("Jane", "Doe")), ("Jane van Doe", ("Jane van", "Doe")), ("Cher", ("Cher", ""))],
)
def test_split_name(name, expected):
    assert gradebook.split_name(name) == expected
