"""SQLite files run in WAL mode with synchronous=NORMAL; decisions stay exactly-once."""

from pathlib import Path

import pytest
from sqlalchemy import select, text

from edu.extensions import db
from edu.models import Attempt, Choice
from edu.services import play
from tests.conftest import make_test_app
from tests.factories import create_user, sync_fixture_cases
from tests.races import race_decisions

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "play"


@pytest.fixture
def wal_url(tmp_path, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite pragmas: run without DATABASE_URL")
    return f"sqlite:///{tmp_path / 'wal.sqlite3'}"


def pragmas(app):
    with app.app_context():
        mode = db.session.execute(text("PRAGMA journal_mode")).scalar()
        sync = db.session.execute(text("PRAGMA synchronous")).scalar()
        db.session.remove()
        db.engine.dispose()
    return mode, sync


def test_a_sqlite_file_gets_wal_and_synchronous_normal(wal_url):
    assert pragmas(make_test_app(wal_url, SQLITE_WAL=True)) == ("wal", 1)


def test_the_pragmas_can_be_turned_off(tmp_path, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    url = f"sqlite:///{tmp_path / 'plain.sqlite3'}"
    assert pragmas(make_test_app(url, SQLITE_WAL=False)) == ("delete", 2)


def test_an_in_memory_database_still_works(database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    app = make_test_app("sqlite://", SQLITE_WAL=True)
    with app.app_context():
        db.create_all()
        user = create_user("resident")
        assert db.session.get(type(user), user.id).email == user.email
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "memory"
        db.session.remove()


def test_concurrent_identical_submissions_store_one_choice_in_wal_mode(wal_url):
    setup = make_test_app(wal_url, SQLITE_WAL=True)
    with setup.app_context():
        db.create_all()
        case = sync_fixture_cases(FIXTURES / "play-short.md")[0]
        user = create_user("resident")
        attempt = play.advance(play.start_attempt(user.id, case).id, user.id, 0)
        attempt_id, user_id = attempt.id, user.id
        db.session.remove()
    results, _ = race_decisions(wal_url, attempt_id, user_id, 1, "THP_DOCETAXEL", SQLITE_WAL=True)
    with setup.app_context():
        stored = db.session.scalars(select(Choice).where(Choice.attempt_id == attempt_id)).all()
        assert len(stored) == 1
        assert db.session.get(Attempt, attempt_id).points == 10
        db.session.remove()
        db.engine.dispose()
    assert results.count(True) <= 1
