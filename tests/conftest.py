"""Shared fixtures: an app on a fresh test database, a client, a CLI runner, log-in helpers.

The database is SQLite (a temporary file) unless ``DATABASE_URL`` names PostgreSQL; then
each pytest-xdist worker gets its own database on that server, created here and dropped
when the session ends. Tables are created once per worker and emptied before each test,
which is far cheaper than creating a database per test and just as isolated.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from edu import create_app
from edu.config import TEST_CONFIG
from edu.extensions import db

ROOT = Path(__file__).resolve().parent.parent
FIXTURE_CASES = Path(__file__).resolve().parent / "fixtures" / "cases"

pytest_plugins = ["tests.factories"]


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else None


def _normalised(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """The URL of this worker's empty test database (created for the session)."""
    base = _postgres_url()
    if base is None:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    url = make_url(_normalised(base))
    name = f"{url.database}_{_worker()}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def make_test_app(database_url: str, **overrides):
    config = dict(TEST_CONFIG)
    config.update(
        SECRET_KEY="test-secret-key",
        SQLALCHEMY_DATABASE_URI=database_url,
        CASES_DIR=str(ROOT / "cases"),
        WTF_CSRF_ENABLED=False,
    )
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def _schema(database_url):
    """Create every table once per worker."""
    app = make_test_app(database_url)
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    return database_url


def empty_all_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    else:
        for name in tables:
            db.session.execute(text(f"DELETE FROM {name}"))
    db.session.commit()


@pytest.fixture
def app_config() -> dict:
    """Override in a test module to change the app's configuration."""
    return {}


@pytest.fixture
def app(_schema, app_config):
    """An app on the worker's test database, emptied before the test."""
    application = make_test_app(_schema, **app_config)
    with application.app_context():
        empty_all_tables()
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def csrf_app(_schema):
    """An app with CSRF protection on, as in production."""
    application = make_test_app(_schema, WTF_CSRF_ENABLED=True)
    with application.app_context():
        empty_all_tables()
        yield application
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
