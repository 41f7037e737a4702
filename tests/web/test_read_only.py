"""Read-only pages run without a transaction on PostgreSQL (``edu.web.access.read_only``).

The node page, feedback and the debrief only read: on PostgreSQL their connection is in
autocommit mode, so the driver sends no ``BEGIN`` and the pool no ``ROLLBACK`` (two round
trips of every such page). What the tests watch is the connection as each statement
runs: a read-only page's run outside any transaction; any other page's inside one. A write inside a
read-only block is refused. SQLite's driver opens no transaction for reads at all, so
there the block changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import g
from sqlalchemy import select

from edu.extensions import EduSession, WriteInReadOnlyRequest, db, read_only_session
from edu.models import User
from tests.factories import create_user, sync_fixture_cases
from tests.statements import every_statement

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "play"


@pytest.fixture
def postgres(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's driver opens no transaction to read")


@pytest.fixture
def in_transaction(app, monkeypatch):
    """For each statement the app runs, whether it ran inside a database transaction: run
    through SQLAlchemy (``"core"``) or on the driver's cursor (``"prepared"``, the signed-in
    user's read, ``edu.services.prepared``), as ``(how, inside)``."""
    seen: list[tuple[str, bool]] = []

    def note(dbapi, _statement: str, how: str) -> None:
        seen.append((how, dbapi.info.transaction_status.name != "IDLE"))

    with every_statement(monkeypatch, note):
        yield seen


def get_fresh(client, path: str, statements: list[tuple[str, bool]]):
    """GET ``path`` as a new request would: no session already begun and no user loaded
    (the tests share one app context, and with it ``g`` and the database session, across
    their requests)."""
    db.session.close()
    g.pop("_login_user", None)
    statements.clear()
    response = client.get(path)
    db.session.close()  # as the request's teardown would: the connection goes back
    assert response.status_code == 200, response.data[:300]
    return response


def test_feedback_and_debrief_read_without_a_transaction(
    postgres, client, login_as, in_transaction
):
    sync_fixture_cases(FIXTURES / "play-short.md")
    login_as("resident")
    node = client.post("/play/play-short/start").headers["Location"]
    client.post(f"{node}/advance", data={"step": 0})
    client.post(f"{node}/decide", data={"step": 1, "option": "THP_DOCETAXEL"})
    # A page that is not read-only runs its queries inside a transaction (the signed-in
    # user's read, a statement of its own, never does on PostgreSQL)...
    get_fresh(client, "/play/progress", in_transaction)
    assert ("prepared", False) in in_transaction
    page = [inside for how, inside in in_transaction if how == "core"]
    assert page and all(page)
    # ...the read-only ones without one.
    for path in (f"{node}/steps/1", f"{node}/debrief"):
        get_fresh(client, path, in_transaction)
        assert in_transaction and not any(inside for _, inside in in_transaction), path


def test_a_node_page_reads_without_a_transaction(
    postgres, client, login_as, in_transaction
):
    sync_fixture_cases(FIXTURES / "play-short.md")
    login_as("resident")
    node = client.post("/play/play-short/start").headers["Location"]
    page = get_fresh(client, node, in_transaction).get_data(as_text=True)
    assert "Presentation" in page
    assert in_transaction == [("prepared", False)]  # the user with the attempt, and no more


def test_a_node_page_builds_no_orm_session(postgres, client, login_as, monkeypatch):
    # Its one read runs on the driver's cursor; a session made only to be closed again
    # cost a sixth of the page on PostgreSQL (docs/performance-history.md, ninth session).
    sync_fixture_cases(FIXTURES / "play-short.md")
    login_as("resident")
    node = client.post("/play/play-short/start").headers["Location"]
    made = []
    real_init = EduSession.__init__

    def counted(self, *args, **kwargs):
        made.append(self)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(EduSession, "__init__", counted)
    db.session.remove()
    g.pop("_login_user", None)
    assert "Presentation" in client.get(node).get_data(as_text=True)
    assert made == []
    client.get(f"{node}/debrief")  # a page that reads through the session still makes one
    assert len(made) == 1


def test_a_session_begun_before_the_block_keeps_its_transaction(postgres, app):
    user_id = create_user("resident").id
    db.session.close()
    connection = db.session.connection()
    with read_only_session():
        assert db.session.connection() is connection
        assert connection.connection.dbapi_connection.autocommit is False
        db.session.get(User, user_id).name = "Renamed"
        db.session.flush()  # the block leaves a request's own transaction alone
    db.session.rollback()
    assert db.session.get(User, user_id).name != "Renamed"


def test_a_write_in_a_read_only_block_is_refused(postgres, app):
    db.session.close()
    with pytest.raises(WriteInReadOnlyRequest):
        with read_only_session():
            db.session.add(User(email="nobody@example.org", name="Nobody", password_hash="x"))
            db.session.flush()
    with pytest.raises(WriteInReadOnlyRequest):
        with read_only_session():
            db.session.execute(select(User.id)).all()
            db.session.commit()
    assert db.session.scalar(select(User).where(User.email == "nobody@example.org")) is None


def test_the_connection_goes_back_to_transactions_after_a_read_only_block(postgres, app):
    user_id = create_user("resident").id
    db.session.close()
    with read_only_session():
        assert db.session.connection().connection.dbapi_connection.autocommit is True
        assert db.session.get(User, user_id) is not None
    # The connection the pool hands out next is in a transaction, as any request's.
    assert db.session.connection().connection.dbapi_connection.autocommit is False
    db.session.get(User, user_id).name = "Renamed"
    db.session.rollback()
    assert db.session.get(User, user_id).name != "Renamed"


def test_on_sqlite_a_read_only_block_changes_nothing(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    db.session.close()
    with read_only_session():
        assert db.session.get_bind() is db.engine
        assert db.session.connection().connection.dbapi_connection.isolation_level == ""
