"""Per-case analytics: counts, completion, score histogram, option shares, pitfalls, filters."""

from __future__ import annotations

from datetime import timedelta

import pytest

from edu.extensions import db
from edu.models._time import utcnow
from edu.services import play
from edu.services.analytics import Filters, case_analytics, filter_courses, histogram
from tests.author_helpers import basic_case, make_user, play_through
from tests.factories import create_course

GOOD = ["THP_DOCETAXEL", "LVEF_BASELINE_AND_EVERY_3_MONTHS"]  # 20 of 20
HALF = ["THP_DOCETAXEL", "LVEF_ONLY_IF_SYMPTOMS"]  # 10 of 20, pitfall P11
POOR = ["TH_TAXANE", "LVEF_ONLY_IF_SYMPTOMS"]  # 0 of 20, pitfalls P1 and P11


@pytest.fixture
def world(app):
    """Four residents: three finished (100 %, 50 %, 0 %), one stopped after first line."""
    case = basic_case()
    instructor = make_user("instructor")
    course_a = create_course(instructor, "Course A")
    course_b = create_course(instructor, "Course B")
    attempts = {
        "good": play_through(make_user().id, case, GOOD, course_id=course_a.id),
        "half": play_through(make_user().id, case, HALF, course_id=course_a.id),
        "poor": play_through(make_user().id, case, POOR, course_id=course_b.id),
        "open": play_through(make_user().id, case, ["THP_DOCETAXEL"]),
    }
    attempts["poor"].started_at = utcnow() - timedelta(days=10)
    # An author's preview never counts.
    preview = play.start_attempt(instructor.id, case, preview=True, version=case.published_version)
    play.advance(preview.id, instructor.id, 0)
    play.decide(preview.id, instructor.id, 1, "TH_TAXANE")
    db.session.commit()
    return case, course_a, course_b, attempts


def options(data, node_id):
    decision = next(d for d in data.decisions if d.node_id == node_id)
    return {o.code: o for o in decision.options}


class TestCounts:
    def test_attempts_completion_and_scores(self, world):
        case, *_ = world
        data = case_analytics(case)
        assert (data.attempts, data.completed, data.in_progress) == (4, 3, 1)
        assert data.completion_rate == 75.0
        assert (data.mean_score, data.median_score) == (50.0, 50.0)
        assert {b.low: b.count for b in data.histogram if b.count} == {0: 1, 50: 1, 90: 1}
        assert data.histogram_max == 1

    def test_histogram_puts_100_in_the_last_bucket(self):
        buckets = histogram([0, 9.9, 10, 99.9, 100])
        assert [b.count for b in buckets] == [2, 1, 0, 0, 0, 0, 0, 0, 0, 2]
        assert buckets[-1].label == "90–100%"

    def test_a_case_nobody_played_has_empty_analytics(self, app):
        data = case_analytics(basic_case())
        assert data.attempts == 0 and data.completion_rate is None and data.mean_score is None
        assert all(o.count == 0 for d in data.decisions for o in d.options)


class TestDecisions:
    def test_option_shares_with_their_stored_verdicts(self, world):
        case, *_ = world
        data = case_analytics(case)
        assert [d.node_id for d in data.decisions] == ["first-line", "monitoring"]
        first = options(data, "first-line")
        assert (first["THP_DOCETAXEL"].count, first["THP_DOCETAXEL"].share) == (3, 75.0)
        assert (first["TH_TAXANE"].count, first["TH_TAXANE"].share) == (1, 25.0)
        assert first["THP_DOCETAXEL"].verdict == "preferred"
        assert first["TH_TAXANE"].verdict == "not_recommended"
        monitoring = options(data, "monitoring")
        assert monitoring["LVEF_ONLY_IF_SYMPTOMS"].share == 66.7
        assert monitoring["LVEF_BASELINE_AND_EVERY_3_MONTHS"].share == 33.3

    def test_an_option_nobody_chose_is_judged_on_the_usual_patient(self, world):
        case, course_a, *_ = world
        first = options(case_analytics(case, Filters(course_id=course_a.id)), "first-line")
        assert first["TH_TAXANE"].count == 0
        assert first["TH_TAXANE"].verdict == "not_recommended"

    def test_pitfalls_are_counted_per_hit_and_per_attempt(self, world):
        case, *_ = world
        pitfalls = {p.id: p for p in case_analytics(case).pitfalls}
        assert list(pitfalls) == ["P11", "P1"]  # most hit first
        assert (pitfalls["P11"].hits, pitfalls["P11"].attempts, pitfalls["P11"].share) == (
            2,
            2,
            50.0,
        )
        assert pitfalls["P1"].hits == 1
        assert pitfalls["P1"].title


class TestFilters:
    def test_course_filter(self, world):
        case, course_a, course_b, _ = world
        assert case_analytics(case, Filters(course_id=course_a.id)).attempts == 2
        assert case_analytics(case, Filters(course_id=course_b.id)).attempts == 1
        assert [c.title for c in filter_courses(case)] == ["Course A", "Course B"]

    def test_date_filter_includes_both_days(self, world):
        case, *_ = world
        today = utcnow().date()
        old = case_analytics(case, Filters(date_to=today - timedelta(days=10)))
        assert old.attempts == 1 and old.completed == 1 and old.mean_score == 0.0
        recent = case_analytics(case, Filters(date_from=today - timedelta(days=1), date_to=today))
        assert recent.attempts == 3
