"""Migrations bring an empty database to head, and they match the models."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from edu.extensions import db
from tests.conftest import make_test_app


@pytest.fixture
def fresh_database_url(database_url, tmp_path):
    """An empty database of the suite's kind, dropped afterwards (PostgreSQL) or in tmp."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'migr.sqlite3'}"
        return
    name = f"{url.database}_migr"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_to_head_then_models_and_migrations_agree(fresh_database_url):
    url = fresh_database_url
    app = make_test_app(url)
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "cases", "case_versions", "attempts", "choices", "courses"} <= tables
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            drift = compare_metadata(context, db.metadata)
        assert drift == [], f"models and migrations differ; run `flask db migrate`: {drift}"
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_0004_fills_best_attempts_from_the_attempts_already_there(fresh_database_url):
    """Upgrading a database that has attempts gives the table the ORM would have kept."""
    from tests.course_factories import (
        at,
        expected_best,
        make_attempt,
        make_case,
        make_user,
        stored_best,
    )
    from tests.factories import create_course, enrol

    app = make_test_app(fresh_database_url)
    with app.app_context():
        upgrade()
        owner = make_user("instructor")
        course = create_course(owner, "Migrated course")
        case = make_case("migrated-case")
        learners = [make_user() for _ in range(3)]
        for n, learner in enumerate(learners):
            enrol(course, learner)
            make_attempt(learner, case, course, points=10 * n, completed_at=at(n))
            make_attempt(learner, case, course, points=10 * n, completed_at=at(n + 1))
            make_attempt(learner, case, course, points=30, completed_at=at(5), preview=True)
            make_attempt(learner, case, None, points=30, completed_at=at(5))
        kept = stored_best()
        assert kept == expected_best() and len(kept) == 3
        db.session.remove()
        downgrade(revision="0003_attempts_standings_index")
        assert "best_attempts" not in inspect(db.engine).get_table_names()
        upgrade()
        assert stored_best() == kept
        db.session.remove()
        db.engine.dispose()
