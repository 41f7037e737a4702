"""A learner's attempts are found through ``ix_attempts_user_case``, and no index of the
schema repeats the leading columns of another.

Migration 0005 dropped ``ix_attempts_user_id``, whose one column begins
``ix_attempts_user_case (user_id, case_id)``, and ``ix_assignments_course_id``, whose column
begins the assignments' unique (course_id, case_id): every index costs a write on every row
inserted and, on PostgreSQL, one on every decision. These tests fail if the learner's queries
stop using the wider index, or if a redundant index comes back.
"""

from __future__ import annotations

from sqlalchemy import inspect

from edu.extensions import db
from edu.services import catalog
from tests.course_factories import at, make_attempt, make_case, make_user
from tests.factories import create_course
from tests.statements import query_plan, statements_sent

INDEX = "ix_attempts_user_case"


def test_a_learners_attempts_are_read_through_the_user_case_index(app):
    owner = make_user("instructor")
    course = create_course(owner, "Index course")
    case = make_case("her2-index-user-case")
    learner, other = make_user(), make_user()
    make_attempt(learner, case, course, points=12, completed_at=at(10))
    make_attempt(learner, case, None, status="in_progress")
    make_attempt(other, case, course, points=15, completed_at=at(20))
    db.session.commit()

    shown, sent = statements_sent(lambda: catalog.catalog(learner.id))
    db.session.rollback()
    (entry,) = [e for e in shown if e.slug == "her2-index-user-case"]
    assert entry.status == "in progress"  # the learner's own attempts, not the other's
    by_learner = [(s, p) for s, p in sent if "FROM attempts" in s and "user_id" in s]
    assert by_learner, sent

    for statement, parameters in by_learner:
        plan = query_plan(statement, parameters)
        if db.engine.dialect.name == "postgresql":
            assert f"Index Scan using {INDEX} on attempts" in plan, plan
        else:
            assert f"INDEX {INDEX} (user_id=?)" in plan, plan


def test_no_index_repeats_the_leading_columns_of_another(app):
    """An index whose columns begin another index's (or a unique constraint's) is only
    extra writes: the wider one answers the same lookups. A unique index is kept: it
    enforces something."""
    inspector = inspect(db.engine)
    redundant = []
    for table in inspector.get_table_names():
        # PostgreSQL lists a unique constraint's index among the indexes, SQLite does not.
        found = {
            i["name"]: (tuple(i["column_names"]), i["unique"]) for i in inspector.get_indexes(table)
        }
        for constraint in inspector.get_unique_constraints(table):
            found.setdefault(constraint["name"], (tuple(constraint["column_names"]), True))
        for name, (columns, unique) in found.items():
            wider = sorted(
                other
                for other, (other_columns, _) in found.items()
                if other != name and other_columns[: len(columns)] == columns
            )
            if wider and not unique:
                redundant.append((table, name, wider))
    assert redundant == []
