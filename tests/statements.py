"""Watching every statement the app sends to the database, for tests that count them or
check the transaction they ran in: those run through SQLAlchemy (its ``after_cursor_execute``
event) and those run on the driver's cursor (``edu.services.prepared._execute``); and
counting the connections the pool hands out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event

from edu.extensions import db
from edu.services import prepared

# observe(dbapi_connection, sql, how): how is "core" or "prepared"; called after the
# statement has run.
Observer = Callable[[object, str, str], None]


@contextmanager
def every_statement(monkeypatch, observe: Observer) -> Iterator[None]:
    """Call ``observe`` after each statement the app runs inside the block."""

    def after_execute(connection, _cursor, statement, _parameters, _context, _many) -> None:
        observe(connection.connection.dbapi_connection, statement, "core")

    def execute(connection, sql, parameters):
        cursor = execute_on_cursor(connection, sql, parameters)
        observe(connection.dbapi_connection, sql, "prepared")
        return cursor

    execute_on_cursor = prepared._execute
    monkeypatch.setattr(prepared, "_execute", execute)
    event.listen(db.engine, "after_cursor_execute", after_execute)
    try:
        yield
    finally:
        event.remove(db.engine, "after_cursor_execute", after_execute)
        monkeypatch.setattr(prepared, "_execute", execute_on_cursor)


@contextmanager
def pool_checkouts() -> Iterator[list[int]]:
    """A list that gains an entry for each connection the pool hands out inside the block."""
    taken: list[int] = []

    def note(*_args) -> None:
        taken.append(1)

    event.listen(db.engine, "checkout", note)
    try:
        yield taken
    finally:
        event.remove(db.engine, "checkout", note)


def statements_sent(call: Callable[[], object]) -> tuple[object, list[tuple[str, object]]]:
    """Run ``call``; its result and every (SQL, parameters) it sent through SQLAlchemy."""
    sent: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many) -> None:
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        result = call()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return result, sent


def query_plan(statement: str, parameters) -> str:
    """The plan the database picks for ``statement`` on a large table: PostgreSQL is told
    not to read whole tables or use bitmaps (a test's few rows are cheapest to read whole),
    after a ``VACUUM ANALYZE`` of ``attempts`` so an index-only scan is possible."""
    engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE attempts")
    with engine.connect() as conn, conn.begin():
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
            conn.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
            rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
        else:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    return "\n".join(str(row[-1]) for row in rows)
