"""``best_attempts`` always holds each group's best counted attempt, kept by the ORM.

The reference is worked out in Python from every attempt, with the leaderboard's rule
(most points, then the earlier completion, then the lower id; completed, non-preview,
in a course), and compared with the table after each change.
"""

from __future__ import annotations

import random
import threading

import pytest

from edu.extensions import db
from edu.models import Attempt, BestAttempt
from edu.models.best_attempts import rebuild_best_attempts
from edu.services import gradebook
from tests.conftest import make_test_app
from tests.course_factories import (
    at,
    expected_best,
    make_attempt,
    make_case,
    make_user,
    stored_best,
)
from tests.factories import assign, create_course, enrol
from tests.statements import statements_sent


@pytest.fixture
def world(app):
    owner = make_user("instructor")
    courses = [create_course(owner, "Course A"), create_course(owner, "Course B")]
    cases = [make_case("best-case-1"), make_case("best-case-2")]
    learners = [make_user() for _ in range(3)]
    for course in courses:
        for learner in learners:
            enrol(course, learner)
        for case in cases:
            assign(course, case)
    return courses, cases, learners


def finished_attempts(world, *, count: int, seed: int) -> None:
    """``count`` finished attempts spread over the world's courses, cases and learners,
    with few distinct points and times, so ties really happen."""
    courses, cases, learners = world
    rng = random.Random(seed)
    for _ in range(count):
        make_attempt(
            rng.choice(learners),
            rng.choice(cases),
            rng.choice(courses),
            points=rng.choice([0, 10, 20]),
            completed_at=at(rng.choice([1, 2, 3])),
        )


def test_the_table_follows_every_change_to_the_attempts(world):
    courses, cases, learners = world
    rng = random.Random(7)
    attempts = []
    for n in range(60):
        course = rng.choice([*courses, None])
        status = rng.choice(["completed", "completed", "completed", "in_progress", "abandoned"])
        attempts.append(
            make_attempt(
                rng.choice(learners),
                rng.choice(cases),
                course,
                # Few distinct values, so ties on points and on time really happen.
                points=rng.choice([0, 10, 10, 20]),
                completed_at=at(rng.choice([1, 2, 2, 3])) if status == "completed" else None,
                status=status,
                preview=rng.random() < 0.1,
            )
        )
        assert stored_best() == expected_best(), f"after attempt {n}"
    for n in range(80):
        attempt = rng.choice(attempts)
        change = rng.choice(["points", "points", "complete", "delete"])
        if change == "points":  # a re-scoring: up or down
            attempt.points = rng.choice([0, 5, 10, 20, 30])
        elif change == "complete" and attempt.status == "in_progress":
            attempt.status = "completed"
            attempt.completed_at = at(rng.choice([1, 2, 4]))
        elif change == "delete" and attempt in db.session:
            attempts.remove(attempt)
            db.session.delete(attempt)
        db.session.commit()
        assert stored_best() == expected_best(), f"after change {n} ({change})"
    assert len(stored_best()) > 5  # the data exercised the table


def test_a_rebuild_gives_the_same_table(world):
    courses, _, _ = world
    finished_attempts(world, count=40, seed=11)
    kept = stored_best()
    with db.engine.begin() as conn:
        written = rebuild_best_attempts(conn, courses[0].id)
    assert written == sum(1 for key in kept if key[0] == courses[0].id)
    assert stored_best() == kept
    with db.engine.begin() as conn:
        conn.execute(BestAttempt.__table__.delete())
        rebuild_best_attempts(conn)
    assert stored_best() == kept == expected_best()


def test_among_equal_points_the_earlier_completion_counts_then_the_lower_id(world):
    courses, cases, learners = world
    course, case, learner = courses[0], cases[0], learners[0]
    first = make_attempt(learner, case, course, points=10, completed_at=at(5))
    make_attempt(learner, case, course, points=10, completed_at=at(9))
    assert stored_best()[(course.id, learner.id, case.id)][0] == first.id
    earlier = make_attempt(learner, case, course, points=10, completed_at=at(1))
    same_time = make_attempt(learner, case, course, points=10, completed_at=at(1))
    assert stored_best()[(course.id, learner.id, case.id)][0] == earlier.id != same_time.id


def test_a_best_attempt_scored_down_gives_way_to_the_next_best(world):
    courses, cases, learners = world
    course, case, learner = courses[0], cases[0], learners[0]
    top = make_attempt(learner, case, course, points=20, completed_at=at(1))
    runner_up = make_attempt(learner, case, course, points=15, completed_at=at(2))
    assert stored_best()[(course.id, learner.id, case.id)][0] == top.id
    top.points = 5
    db.session.commit()
    assert stored_best()[(course.id, learner.id, case.id)] == (
        runner_up.id, 15, 20, at(2)
    )  # fmt: skip


def test_previews_practice_and_unfinished_attempts_have_no_row(world):
    courses, cases, learners = world
    course, case, learner = courses[0], cases[0], learners[0]
    make_attempt(learner, case, course, points=20, completed_at=at(1), preview=True)
    make_attempt(learner, case, None, points=20, completed_at=at(1))
    make_attempt(learner, case, course, points=20, status="in_progress")
    assert stored_best() == {}


def test_a_decision_that_does_not_finish_the_attempt_leaves_the_table_alone(world):
    """The upkeep costs nothing on the hot path: only a finished attempt sends SQL."""
    courses, cases, learners = world
    attempt = make_attempt(learners[0], cases[0], courses[0], points=0, status="in_progress")

    def move_on():
        attempt.points = 10
        attempt.path = [["a", "X"], ["b", None]]
        db.session.commit()

    def finish():
        attempt.status = "completed"
        attempt.completed_at = at(3)
        db.session.commit()

    _, sent = statements_sent(move_on)
    assert sent and not any("best_attempts" in s for s, _ in sent)
    _, sent = statements_sent(finish)
    assert any("best_attempts" in s for s, _ in sent)
    assert stored_best() == expected_best() != {}


def test_the_standings_read_from_the_table_match_the_attempts(world):
    """With no due time, the table's rows are exactly what the window over attempts picks."""
    courses, _, _ = world
    finished_attempts(world, count=50, seed=3)
    for course in courses:
        from_table = db.session.execute(gradebook._best_attempts(course)).all()
        from_attempts = db.session.execute(gradebook._best_on_time_attempts(course)).all()
        assert sorted(from_table) == sorted(from_attempts)
        assert len(from_table) > 3


@pytest.mark.postgres_only
@pytest.mark.parametrize("better_first", [True, False])
def test_concurrent_finishes_keep_the_better_attempt(app, database_url, world, better_first):
    """Two transactions finish attempts of one group at once; whichever commits first,
    the better attempt is the one left."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite runs one writer at a time")
    courses, cases, learners = world
    course, case, learner = courses[0], cases[0], learners[0]
    better = make_attempt(learner, case, course, status="in_progress")
    worse = make_attempt(learner, case, course, status="in_progress")
    ids = {"first": better.id if better_first else worse.id}
    ids["second"] = worse.id if better_first else better.id
    points = {better.id: 20, worse.id: 10}
    other = make_test_app(database_url)
    first_flushed = threading.Event()
    errors = []

    def finish(attempt_id: int) -> None:
        attempt = db.session.get(Attempt, attempt_id)
        attempt.status = "completed"
        attempt.points = points[attempt_id]
        attempt.completed_at = at(1)
        db.session.flush()

    def second() -> None:
        with other.app_context():
            try:
                first_flushed.wait(30)
                finish(ids["second"])  # waits for the first transaction's row lock
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - asserted below
                errors.append(repr(error))
            finally:
                db.session.remove()
                db.engine.dispose()

    thread = threading.Thread(target=second)
    thread.start()
    finish(ids["first"])
    first_flushed.set()
    threading.Event().wait(0.3)  # let the second flush reach the lock
    db.session.commit()
    thread.join(60)
    assert errors == []
    assert stored_best()[(course.id, learner.id, case.id)][0] == better.id
