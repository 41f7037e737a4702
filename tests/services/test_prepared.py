"""The hottest reads and the decision's writes on the driver's cursor
(``edu.services.prepared``): a read gives exactly what SQLAlchemy Core gives, sees the
session's own writes, leaves no transaction or autocommit behind and hands a driver error
back to SQLAlchemy's handling; a write stores exactly what Core would store and raises
SQLAlchemy's own exceptions."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import bindparam, exc, insert, select, update

from edu.extensions import db
from edu.models import Choice, User
from edu.services import play, prepared
from edu.services.prepared import PreparedSelect, PreparedWrite
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


def test_a_driver_error_drops_the_shared_connection_for_a_fresh_one(app, monkeypatch):
    user = create_user("resident")
    user_id, name = user.id, user.name
    db.session.close()
    read = PreparedSelect(lambda: select(User.name).where(User.id == bindparam("user_id")))
    real_fetch = prepared._fetch_first

    def broken(connection, compiled, params):
        raise db.engine.dialect.loaded_dbapi.OperationalError("server closed the connection")

    with prepared.sharing_a_connection():
        assert read.first(user_id=user_id) == (name,)
        first = prepared._sharing.get().connection
        monkeypatch.setattr(prepared, "_fetch_first", broken)
        assert read.first(user_id=user_id) == (name,)  # read again, by SQLAlchemy Core
        assert first.invalidated
        monkeypatch.setattr(prepared, "_fetch_first", real_fetch)
        assert read.first(user_id=user_id) == (name,)  # on a fresh shared connection
        assert prepared._sharing.get().connection is not first
    assert db.engine.pool.checkedout() == 0


# --- writes ---------------------------------------------------------------------------------

CHOICE_COLUMNS = [c.name for c in Choice.__table__.columns if c.name != "id"]


def insert_choice():
    table = Choice.__table__
    return (
        insert(table)
        .values({table.c[n]: bindparam(n, type_=table.c[n].type) for n in CHOICE_COLUMNS})
        .returning(table.c.id)
    )


def a_choice(attempt_id: int, step: int) -> dict:
    # Every kind of value a decision writes: JSON, a datetime, a boolean, floats, text.
    return {
        "attempt_id": attempt_id,
        "step": step,
        "node_id": "first-line",
        "decision": "metastatic_line",
        "option_code": "THP_DOCETAXEL",
        "verdict": "preferred",
        "rule": "R1",
        "points": 7.5,
        "max_points": 10.0,
        "safety_error": True,
        "pitfalls": [{"id": "p1", "text": "Ünïcode — and quotes \"'"}],
        "guideline_version": "her2-mbc-2026.1",
        "decided_at": datetime(2026, 12, 3, 14, 30, 15, 123456),
    }


def stored_choice(choice_id: int) -> dict:
    row = db.session.execute(select(Choice.__table__).where(Choice.id == choice_id)).one()
    return {k: v for k, v in row._mapping.items() if k not in ("id", "step")}


def test_a_write_stores_exactly_what_sqlalchemy_stores(app):
    _, attempt_id = user_with_attempt()
    with db.engine.begin() as connection:
        by_core = connection.execute(insert_choice(), a_choice(attempt_id, 1)).scalar()
        written = PreparedWrite(insert_choice).run(connection, a_choice(attempt_id, 2))
    assert written.rowcount == 1 and written.returned is not None
    by_cursor = written.returned[0]
    assert stored_choice(by_cursor) == stored_choice(by_core)
    assert stored_choice(by_cursor)["pitfalls"] == a_choice(0, 0)["pitfalls"]


def test_an_update_reports_the_rows_it_changed(app):
    user_id = create_user("resident").id
    rename = PreparedWrite(
        lambda: (
            update(User.__table__)
            .where(User.__table__.c.id == bindparam("b_id"))
            .values(name=bindparam("name", type_=User.__table__.c.name.type))
        )
    )
    with db.engine.begin() as connection:
        assert rename.run(connection, {"b_id": user_id, "name": "Renamed"}).rowcount == 1
        assert rename.run(connection, {"b_id": user_id + 1000, "name": "Nobody"}).rowcount == 0
    assert db.session.get(User, user_id).name == "Renamed"


def test_a_unique_violation_is_sqlalchemys_integrity_error_and_writes_nothing(app):
    _, attempt_id = user_with_attempt()
    write = PreparedWrite(insert_choice)
    with db.engine.begin() as connection:
        write.run(connection, a_choice(attempt_id, 1))
    with pytest.raises(exc.IntegrityError):
        with db.engine.begin() as connection:
            write.run(connection, a_choice(attempt_id, 2))
            write.run(connection, a_choice(attempt_id, 1))  # (attempt_id, step) is taken
    steps = db.session.scalars(select(Choice.step).where(Choice.attempt_id == attempt_id))
    assert list(steps) == [1]  # the transaction's other write was rolled back with it
