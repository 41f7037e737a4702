"""The standings fingerprint is answered from ``ix_attempts_course_standing`` alone.

``gradebook._standings_fingerprint`` runs on every leaderboard view; its attempts query
must be an index-only scan of the covering index (migration 0003), never a read of every
attempt row of the course. The test explains the statement the fingerprint really sends,
so a change to the query that the index no longer covers fails here too.
"""

from __future__ import annotations

from edu.extensions import db
from edu.services import gradebook
from tests.course_factories import at, make_attempt, make_case, make_user
from tests.factories import create_course, enrol
from tests.statements import query_plan, statements_sent

INDEX = "ix_attempts_course_standing"


def _course_with_attempts():
    owner = make_user("instructor")
    course = create_course(owner, "Standings index")
    other = create_course(owner, "Another course")
    case = make_case("her2-index-case")
    learner = make_user()
    enrol(course, learner)
    make_attempt(learner, case, course, points=12, completed_at=at(10))
    make_attempt(learner, case, course, points=18, completed_at=at(30))
    make_attempt(learner, case, course, status="in_progress")
    make_attempt(learner, case, course, points=20, completed_at=at(40), preview=True)
    make_attempt(learner, case, other, points=5, completed_at=at(50))
    return course


def _fingerprint_attempts_statement(course) -> tuple[str, object, tuple]:
    """Return the fingerprint's attempts query as sent (SQL, parameters) and the fingerprint."""
    fingerprint, sent = statements_sent(lambda: gradebook._standings_fingerprint(course))
    (query,) = [(s, p) for s, p in sent if "FROM attempts" in s and "lock_version" in s]
    return query[0], query[1], fingerprint


def test_fingerprint_query_is_an_index_only_scan_of_the_standings_index(app):
    course = _course_with_attempts()
    db.session.commit()
    statement, parameters, fingerprint = _fingerprint_attempts_statement(course)
    db.session.rollback()

    # Two completed, non-preview attempts of this course count; the rest do not.
    count, _largest_id, latest, lock_sum = fingerprint[0]
    assert (count, latest, lock_sum) == (2, at(30), 2)

    plan = query_plan(statement, parameters)
    if db.engine.dialect.name == "postgresql":
        assert f"Index Only Scan using {INDEX} on attempts" in plan, plan
    else:
        assert f"USING COVERING INDEX {INDEX}" in plan, plan
        # All three equality columns bound the scan: no row outside the course is read.
        assert "course_id=? AND status=? AND preview=?" in plan, plan
