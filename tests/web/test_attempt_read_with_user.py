"""The pages about one attempt read it in the same query as the signed-in user
(``edu.web.access.load_signed_in_user``): one statement for a node page instead of two,
and still nobody else's attempt, and still a deactivated account refused at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import g

from edu.extensions import db
from edu.models import User
from tests.factories import sync_fixture_cases
from tests.statements import every_statement, pool_checkouts

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "play"


@pytest.fixture
def statements(app, monkeypatch):
    """The SQL of each statement the app runs (transaction control aside): through
    SQLAlchemy, and on the driver's cursor (``edu.services.prepared``)."""
    seen: list[str] = []

    def note(_dbapi, statement: str, _how: str) -> None:
        seen.append(" ".join(statement.split()))

    with every_statement(monkeypatch, note):
        yield seen


def fresh(client, method: str, path: str, seen: list[str], **kw):
    """A request as a new one would run: no user loaded yet, no session begun (the tests
    share one app context, and with it ``g`` and the database session)."""
    db.session.close()
    g.pop("_login_user", None)
    seen.clear()
    response = client.open(path, method=method, **kw)
    db.session.close()
    return response


@pytest.fixture
def playing(client, login_as):
    sync_fixture_cases(FIXTURES / "play-short.md")
    user = login_as("resident")
    node = client.post("/play/play-short/start").headers["Location"]
    client.post(f"{node}/advance", data={"step": 0})
    return user, node


def test_a_node_page_reads_the_user_and_the_attempt_in_one_statement(
    client, playing, statements
):
    _, node = playing
    response = fresh(client, "GET", node, statements)
    assert response.status_code == 200 and b"Submit choice" in response.data
    assert len(statements) == 1, statements
    assert "FROM users LEFT OUTER JOIN attempts" in statements[0]


@pytest.fixture
def checked_out(app):
    """One entry for each connection the pool hands out."""
    with pool_checkouts() as taken:
        yield taken


def test_a_decision_reads_once_and_writes_its_two_rows(
    client, playing, statements, checked_out
):
    _, node = playing
    checked_out.clear()
    response = fresh(
        client, "POST", f"{node}/decide", statements, data={"step": 1, "option": "TH_TAXANE"}
    )
    assert response.status_code == 200 and b"You chose:" in response.data
    reads = [s for s in statements if s.startswith("SELECT")]
    writes = [s for s in statements if not s.startswith("SELECT")]
    assert len(reads) == 1 and "LEFT OUTER JOIN attempts" in reads[0]
    if db.engine.dialect.name == "postgresql":  # one statement: play._move_then_insert
        assert len(writes) == 1 and writes[0].startswith("WITH moved AS (UPDATE attempts")
        assert "INSERT INTO choices" in writes[0]
    else:
        assert [w.split()[0] for w in writes] == ["INSERT", "UPDATE"], writes
    # The read and the write on one connection from the pool, given back at the end.
    assert len(checked_out) == 1
    assert db.engine.pool.checkedout() == 0
    # Feedback and the debrief read the choices too: two statements in all.
    assert fresh(client, "GET", f"{node}/steps/1", statements).status_code == 200
    assert len(statements) == 2, statements


def test_someone_elses_attempt_is_still_missing(app, client, playing, login_as):
    _, node = playing
    client.post("/auth/logout")
    login_as("resident")
    seen: list[str] = []
    for method, path, data in (
        ("GET", node, None),
        ("GET", f"{node}/steps/1", None),
        ("GET", f"{node}/debrief", None),
        ("POST", f"{node}/decide", {"step": 1, "option": "TH_TAXANE"}),
    ):
        assert fresh(client, method, path, seen, data=data).status_code == 404, path


def test_a_deactivated_account_is_refused_on_the_very_next_attempt_page(
    client, playing, statements
):
    user, node = playing
    db.session.get(User, user.id).is_active_account = False
    db.session.commit()
    response = fresh(client, "GET", node, statements)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
