"""The database goes away: requests get the site's clean 503, and it comes back on its own.

PostgreSQL: the app reaches the server through a TCP proxy started here on loopback;
cutting the proxy drops every connection and refuses new ones, as a stopped server
would. SQLite: another process holds an exclusive lock on the file, as a stuck writer or
a backup tool would. Either way the app must answer 503 with the site's error page (or
JSON), and once the database is back the very next request must succeed, without a
restart of the app.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3

import psycopg
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from edu.extensions import _refuse_closed_connection, db, server_has_closed
from tests.conftest import empty_all_tables, make_test_app
from tests.factories import PASSWORD
from tests.faults.tcp_proxy import TcpProxy
from tests.security.world import make_user

UNAVAILABLE = "Temporarily unavailable"


def log_in(client, email: str) -> None:
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code


def assert_unavailable(client, health_check: bool = True) -> None:
    """Pages, the JSON API and the health check all answer 503, in the site's format."""
    page = client.get("/play/")
    assert page.status_code == 503, page.status_code
    html = page.get_data(as_text=True)
    assert UNAVAILABLE in html and 'class="site-header"' in html
    api = client.get("/play/", headers={"Accept": "application/json"})
    assert api.status_code == 503 and api.get_json()["status"] == 503
    if health_check:
        assert client.get("/healthz").status_code == 503
    login = client.post("/auth/login", data={"email": "a@b.edu", "password": "whatever-it-is"})
    assert login.status_code == 503


def assert_available(client) -> None:
    assert client.get("/play/").status_code == 200
    assert client.get("/healthz").get_json() == {"status": "ok"}


@pytest.fixture
def postgres_url(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL outage: run with DATABASE_URL=postgresql://...")
    return database_url


@pytest.fixture
def proxied_app(app, postgres_url):
    """An app (as in production: not TESTING) that reaches PostgreSQL through a TcpProxy."""
    url = make_url(postgres_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432)).start()
    through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    application = make_test_app(through, TESTING=False)
    yield application, proxy
    proxy.cut()
    with application.app_context():
        db.engine.dispose()


def test_postgres_going_away_gives_503_and_coming_back_needs_no_restart(proxied_app):
    application, proxy = proxied_app
    email = make_user("resident").email
    client = application.test_client()
    log_in(client, email)
    assert_available(client)

    proxy.cut()
    assert_unavailable(client)
    assert_unavailable(client)  # and again: nothing got stuck half-open

    proxy.restore()
    assert_available(client)  # the same session, still logged in
    log_in(application.test_client(), email)


@pytest.fixture
def production_app(app, postgres_url):
    """An app (as in production: not TESTING) connected straight to PostgreSQL."""
    application = make_test_app(postgres_url, TESTING=False)
    yield application
    with application.app_context():
        db.engine.dispose()


def terminate_other_sessions(postgres_url) -> int:
    """End every other session on the test database, as an administrator or a restart
    would, waiting (up to 5 s each) until each server process has exited."""
    name = make_url(postgres_url).database
    ended = db.session.execute(
        text(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) "
            "FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"
        ),
        {"name": name},
    ).scalar()
    db.session.commit()
    return ended


def test_postgres_killing_the_apps_connections_is_invisible(production_app, postgres_url):
    client = production_app.test_client()
    log_in(client, make_user("resident").email)
    assert_available(client)
    assert terminate_other_sessions(postgres_url) >= 1
    # The pool sees that the server closed its connections, and replaces them.
    assert_available(client)
    assert_available(client)


def test_the_pool_asks_the_kernel_not_the_server_whether_a_connection_is_open(
    production_app, postgres_url
):
    """No ``SELECT 1`` per request on PostgreSQL: the checkout looks at the socket
    (``edu.extensions.server_has_closed``), which tells an open idle connection from one
    the server has ended."""
    with production_app.app_context():
        engine = db.engine
        assert engine.pool._pre_ping is False  # pool_pre_ping's SELECT 1 is off
        raw = engine.raw_connection()
        try:
            driver_connection = raw.driver_connection
            assert not server_has_closed(driver_connection)
            driver_connection.execute("SELECT 1").fetchall()
            assert not server_has_closed(driver_connection)  # used, and idle again
            pid = driver_connection.info.backend_pid
            with psycopg.connect(make_url(postgres_url).set(drivername="postgresql")
                                 .render_as_string(hide_password=False)) as other:
                assert other.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,)).fetchone()[0]
            assert server_has_closed(driver_connection)
        finally:
            raw.invalidate()


@pytest.fixture
def sqlite_app(_schema, tmp_path):
    """An app on its own SQLite file, failing fast when the file is locked."""
    path = tmp_path / "outage.sqlite3"
    application = make_test_app(
        f"sqlite:///{path}",
        TESTING=False,
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"timeout": 0.2}},
    )
    with application.app_context():
        db.create_all()
        empty_all_tables()
        email = make_user("resident").email
        db.session.remove()
    yield application, path, email
    with application.app_context():
        db.engine.dispose()


def test_sqlite_locked_by_another_process_gives_503_until_released(sqlite_app):
    application, path, email = sqlite_app
    client = application.test_client()
    log_in(client, email)
    assert_available(client)

    with exclusive_lock(path):
        assert_unavailable(client, health_check=False)  # see the test below
    assert_available(client)


def test_sqlite_health_check_reports_a_locked_database(sqlite_app):
    # "SELECT 1" needs no lock and reads no page of the file: on SQLite it succeeds while
    # every real query fails, and a load balancer would keep sending traffic.
    application, path, _ = sqlite_app
    client = application.test_client()
    assert client.get("/healthz").status_code == 200
    with exclusive_lock(path):
        assert client.get("/healthz").status_code == 503


@contextlib.contextmanager
def exclusive_lock(path):
    """Hold SQLite's exclusive lock on ``path`` from another connection, as a stuck writer."""
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # no other connection may read or write now
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_sqlite_file_replaced_by_garbage_gives_503_until_restored(sqlite_app):
    application, path, email = sqlite_app
    client = application.test_client()
    log_in(client, email)
    assert_available(client)
    with application.app_context():
        db.engine.dispose()  # new connections will open whatever file is there now

    saved = path.with_suffix(".saved")
    os.replace(path, saved)
    path.write_bytes(b"this is not a database" * 100)
    try:
        assert_unavailable(client, health_check=False)
    finally:
        os.replace(saved, path)
    with application.app_context():
        db.engine.dispose()  # an operator restores the file while the app runs
    assert_available(client)


def test_how_the_pool_checks_a_connection_follows_the_database(_schema, tmp_path):
    """PostgreSQL: the socket check, unless the engine options ask for the ping; SQLite:
    no check (a local file), unless asked for. The caller's options are never changed in
    place."""
    asked = {"connect_args": {"timeout": 0.2}}
    application = make_test_app(f"sqlite:///{tmp_path / 'pool.sqlite3'}",
                                SQLALCHEMY_ENGINE_OPTIONS=asked)  # fmt: skip
    assert asked == {"connect_args": {"timeout": 0.2}}
    with application.app_context():
        assert db.engine.pool._pre_ping is False
        assert not event.contains(db.engine, "checkout", _refuse_closed_connection)
        db.engine.dispose()
    application = make_test_app(f"sqlite:///{tmp_path / 'pool.sqlite3'}",
                                SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True})  # fmt: skip
    with application.app_context():
        assert db.engine.pool._pre_ping is True  # asked for: kept
        db.engine.dispose()
    postgres = "postgresql://postgres@127.0.0.1:5432/unused"  # never connected to
    application = make_test_app(postgres, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True})
    with application.app_context():
        assert db.engine.pool._pre_ping is True  # asked for: kept
    with make_test_app(postgres).app_context():
        assert db.engine.pool._pre_ping is False
