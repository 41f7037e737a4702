"""The hottest reads on the driver's cursor (``edu.services.prepared``) give exactly what
SQLAlchemy Core gives, see the session's own writes, leave no transaction or autocommit
behind, and hand a driver error back to SQLAlchemy's handling."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import bindparam, select

from edu.extensions import db
from edu.models import User
from edu.services import play, prepared
from edu.services.prepared import PreparedSelect
from tests.factories import create_course, create_user, enrol, sync_fixture_cases

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "play"


def user_with_attempt():
    # Every kind of column the attempt pages read: integers, text, booleans, floats, JSON,
    # datetimes, NULLs, and the three scalar subqueries.
    (case,) = sync_fixture_cases(FIXTURES / "play-short.md")
    resident = create_user("resident")
    scheme = {"preferred": 10, "acceptable": 5, "not_recommended": 0, "contraindicated": 0}
    course = create_course(create_user("instructor"), points_scheme=scheme)
    enrol(course, resident)
    attempt = play.start_attempt(resident.id, case, course_id=course.id)
    return resident.id, attempt.id


def core_row(statement, **params):
    with db.engine.connect() as connection:
        row = connection.execute(statement, params).first()
    return None if row is None else tuple(row)


def test_a_row_is_typed_exactly_as_sqlalchemy_types_it(app):
    user_id, attempt_id = user_with_attempt()
    statement = play._user_and_snapshot_query()[0]
    read = PreparedSelect(lambda: statement)
    db.session.close()
    for _ in range(2):  # the first run learns how to type the row; the second uses it
        row = read.first(user_id=user_id, attempt_id=attempt_id)
        expected = core_row(statement, user_id=user_id, attempt_id=attempt_id)
        assert row == expected
        assert [type(v) for v in row] == [type(v) for v in expected]
    assert isinstance(row[-1], dict) and row[-2] == "play-short"  # points scheme, case slug


def test_no_row_is_none(app):
    read = PreparedSelect(lambda: select(User.id).where(User.id == bindparam("user_id")))
    assert read.first(user_id=12345) is None


def test_inside_the_sessions_transaction_it_sees_the_sessions_writes(app):
    read = PreparedSelect(lambda: select(User.name).where(User.email == bindparam("email")))
    db.session.add(User(email="new@example.org", name="Not yet committed", password_hash="x"))
    db.session.flush()
    assert read.first(email="new@example.org") == ("Not yet committed",)
    db.session.rollback()
    assert read.first(email="new@example.org") is None


def test_a_connection_of_its_own_goes_back_as_it_came(app):
    user_id = create_user("resident").id
    db.session.close()
    read = PreparedSelect(lambda: select(User.id).where(User.id == bindparam("user_id")))
    assert read.first(user_id=user_id) == (user_id,)
    with db.engine.connect() as connection:  # the pool's next connection: the same one
        dbapi = connection.connection.dbapi_connection
        if db.engine.dialect.name == "postgresql":
            assert dbapi.autocommit is False
            assert dbapi.info.transaction_status.name == "IDLE"
        else:
            assert not dbapi.in_transaction


@pytest.mark.parametrize("in_session", [False, True])
def test_a_driver_error_goes_to_sqlalchemys_handling(app, monkeypatch, in_session):
    user = create_user("resident")
    user_id, name = user.id, user.name
    db.session.close()
    if in_session:
        db.session.connection()  # a request that has begun its transaction
    dropped = []
    real_invalidate = type(db.engine.connect()).invalidate

    def invalidate(connection, *args, **kwargs):
        dropped.append(connection)
        return real_invalidate(connection, *args, **kwargs)

    def broken(connection, compiled, params):
        raise db.engine.dialect.loaded_dbapi.OperationalError("server closed the connection")

    monkeypatch.setattr(type(db.engine.connect()), "invalidate", invalidate)
    monkeypatch.setattr(prepared, "_fetch_first", broken)
    read = PreparedSelect(lambda: select(User.name).where(User.id == bindparam("user_id")))
    assert read.first(user_id=user_id) == (name,)  # read again, by SQLAlchemy Core
    # A connection of its own is dropped and the read runs on a fresh one; the session's
    # is left to SQLAlchemy, which drops it only if the server is really gone.
    assert len(dropped) == (0 if in_session else 1)
