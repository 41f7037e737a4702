"""Guideline changes: touched decisions, and re-scoring that keeps the old scores."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from edu.extensions import db
from edu.guideline import UnknownGuidelineVersion
from edu.models import Attempt, Choice, ChoiceScore
from edu.services import gradebook
from edu.services.guidelines import current_library
from edu.services.rescoring import case_impact, cases_in_scope, rescore
from tests.author_helpers import (
    BASIC,
    basic_case,
    make_user,
    play_through,
    rules_with_test_version,
)
from tests.conftest import ROOT
from tests.factories import assign, create_course, enrol, sync_fixture_cases

GOOD = ["THP_DOCETAXEL", "LVEF_BASELINE_AND_EVERY_3_MONTHS"]
SYMPTOMS = ["THP_DOCETAXEL", "LVEF_ONLY_IF_SYMPTOMS"]  # 10 points; 15 under test-only 2099.1
NO_PERTUZUMAB = ["TH_TAXANE", "LVEF_BASELINE_AND_EVERY_3_MONTHS"]  # 10 points, unchanged
SCHEME = {"preferred": 10, "acceptable": 5, "not_recommended": 0, "contraindicated": 0}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def only_2026_1(app, tmp_path):
    """Point the app at a rules directory that has not received 2026.2 yet."""
    root = tmp_path / "before-2026.2"
    (root / "guidelines").mkdir(parents=True)
    for name in ("evidence.yaml", "pitfalls.yaml", "her2-mbc-2026.1.yaml"):
        shutil.copy(ROOT / "cases" / "guidelines" / name, root / "guidelines" / name)
    app.config["CASES_DIR"] = str(root)
    yield
    app.config["CASES_DIR"] = str(ROOT / "cases")


class TestTheReal2026_2Update:
    @pytest.fixture
    def played(self, app, only_2026_1):
        case = basic_case()
        attempts = [
            play_through(make_user().id, case, codes) for codes in (GOOD, SYMPTOMS, NO_PERTUZUMAB)
        ]
        assert {a.guideline_version for a in attempts} == {"her2-mbc-2026.1"}
        app.config["CASES_DIR"] = str(ROOT / "cases")  # 2026.2 is installed
        return case, attempts

    def test_no_choice_changes_points_and_the_report_says_so(self, played):
        case, attempts = played
        before = {a.id: a.points for a in attempts}
        report = rescore("her2-mbc-2026.2")
        assert (report.attempts, report.examined, report.changed_points, report.unchanged) == (
            3,
            6,
            0,
            6,
        )
        assert report.changed_verdict == 0 and report.skipped == 0
        assert "0 changed points, 6 unchanged" in report.summary()
        for attempt in attempts:
            db.session.refresh(attempt)
            assert attempt.points == before[attempt.id]
            assert attempt.guideline_version == "her2-mbc-2026.2"

    def test_the_old_scores_stay_recorded(self, played):
        rescore("her2-mbc-2026.2")
        history = list(db.session.scalars(select(ChoiceScore)))
        assert len(history) == 6
        assert {h.guideline_version for h in history} == {"her2-mbc-2026.1"}
        assert {c.guideline_version for c in db.session.scalars(select(Choice))} == {
            "her2-mbc-2026.2"
        }

    def test_running_it_twice_changes_nothing_more(self, played):
        rescore("her2-mbc-2026.2")
        again = rescore("her2-mbc-2026.2")
        assert (again.examined, again.changed_points, again.already_current) == (0, 0, 6)
        assert count(ChoiceScore) == 6

    def test_no_decision_of_the_case_changes_verdict(self, played):
        library = current_library()
        [impact] = case_impact(
            cases_in_scope(None), library.get("her2-mbc-2026.1"), library.get("her2-mbc-2026.2")
        )
        assert impact.decisions_checked == 2
        assert impact.changes == []


class TestATestOnlyVersionThatChangesAVerdict:
    @pytest.fixture
    def course_world(self, app, tmp_path):
        case = basic_case()
        owner = make_user("instructor")
        course = create_course(owner, "Oncology", points_scheme=SCHEME)
        assign(course, case)
        first, second = make_user(), make_user()
        enrol(course, first)
        enrol(course, second)
        # `second` finishes first, so wins the tie at 10 points before re-scoring.
        early = play_through(second.id, case, NO_PERTUZUMAB, course_id=course.id)
        late = play_through(first.id, case, SYMPTOMS, course_id=course.id)
        assert early.points == late.points == 10
        app.config["CASES_DIR"] = str(rules_with_test_version(tmp_path))
        yield case, course, first, second, late
        app.config["CASES_DIR"] = str(ROOT / "cases")

    def test_the_changed_decision_is_listed(self, course_world):
        library = current_library()
        [impact] = case_impact(
            cases_in_scope(None), library.get("her2-mbc-2026.2"), library.get("her2-mbc-2099.1")
        )
        assert [(c.node_id, c.code, c.old_verdict, c.new_verdict) for c in impact.changes] == [
            ("monitoring", "LVEF_ONLY_IF_SYMPTOMS", "not_recommended", "acceptable")
        ]

    def test_a_dry_run_counts_without_writing(self, course_world):
        report = rescore("her2-mbc-2099.1", dry_run=True)
        assert (report.examined, report.changed_points, report.unchanged) == (4, 1, 3)
        assert count(ChoiceScore) == 0
        assert {c.guideline_version for c in db.session.scalars(select(Choice))} == {
            "her2-mbc-2026.2"
        }

    def test_rescoring_updates_points_and_the_leaderboard_and_keeps_the_old_score(
        self, course_world
    ):
        case, course, first, second, late = course_world
        before = gradebook.standings(course).ranked
        assert [row.learner_id for row in before] == [second.id, first.id]

        report = rescore("her2-mbc-2099.1")
        assert (
            report.examined,
            report.changed_points,
            report.unchanged,
            report.changed_verdict,
        ) == (4, 1, 3, 1)
        [change] = report.changes
        assert (change.option_code, change.old_points, change.new_points) == (
            "LVEF_ONLY_IF_SYMPTOMS",
            0,
            5,
        )

        db.session.expire_all()
        attempt = db.session.get(Attempt, late.id)
        assert (attempt.points, attempt.max_points) == (15, 20)
        choice = next(c for c in attempt.choices if c.node_id == "monitoring")
        assert (choice.verdict, choice.points, choice.guideline_version) == (
            "acceptable",
            5,
            "her2-mbc-2099.1",
        )
        assert choice.pitfalls == []
        [old] = choice.history
        assert (old.verdict, old.points, old.max_points, old.guideline_version) == (
            "not_recommended",
            0,
            10,
            "her2-mbc-2026.2",
        )

        after = gradebook.standings(course).ranked
        assert [(row.learner_id, row.total) for row in after] == [(first.id, 15), (second.id, 10)]

    def test_the_course_points_scheme_is_used(self, app, course_world):
        case, course, first, *_ = course_world
        course.points_scheme = {**SCHEME, "acceptable": 7}
        db.session.commit()
        report = rescore("her2-mbc-2099.1")
        assert report.changes[0].new_points == 7

    def test_scope_limits_the_cases(self, course_world):
        assert rescore("her2-mbc-2099.1", case_ids=[]).examined == 0

    def test_previews_and_pinned_cases_are_left_alone(self, app, tmp_path, course_world):
        case, *_ = course_world
        app.config["CASES_DIR"] = str(ROOT / "cases")  # play these under 2026.2
        preview = play_through(make_user("instructor").id, case, SYMPTOMS, preview=True)
        pinned_file = tmp_path / "author-pinned.md"
        pinned_file.write_text(
            BASIC.replace("id: author-basic", "id: author-pinned").replace(
                "guideline: her2-mbc\n", "guideline: her2-mbc-2026.2\n"
            )
        )
        [pinned] = sync_fixture_cases(pinned_file)
        pinned_attempt = play_through(make_user().id, pinned, SYMPTOMS)
        app.config["CASES_DIR"] = str(rules_with_test_version(tmp_path / "again"))

        report = rescore("her2-mbc-2099.1")
        assert report.pinned_attempts == 1
        assert report.examined == 4  # the two course attempts only
        db.session.expire_all()
        for untouched in (preview, pinned_attempt):
            attempt = db.session.get(Attempt, untouched.id)
            assert attempt.guideline_version == "her2-mbc-2026.2"
            assert all(not c.history for c in attempt.choices)

    def test_a_family_name_is_refused(self, course_world):
        with pytest.raises(UnknownGuidelineVersion):
            rescore("her2-mbc")
