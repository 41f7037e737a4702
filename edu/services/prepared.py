"""The hottest reads run on the driver's cursor: a Core select, compiled once per database.

Every signed-in request reads its user (``accounts.signed_in_user``), and the pages about
one attempt read the attempt with the user (``play.read_attempt_with_user``): one small
SELECT by primary key. Through a Session that statement cost several times more in
SQLAlchemy's machinery (the session and its transaction, the execution context, the result
object) than in the database: about 85 µs against 20 µs on the driver's own cursor, a tenth
of a case node page (docs/performance.md, eighth session).

:class:`PreparedSelect` keeps what matters of SQLAlchemy for such a read: the statement is
written once as a Core select, compiled by the database's own dialect, and its row is
converted by the column types' own result processors, so the values are exactly those a
``Connection.execute`` would give. What it skips, and why that is safe here:

- **Its own transaction.** When the request's session has begun, the read runs on that
  session's connection, in its transaction (or, on a read-only page, in its autocommit
  mode), so it sees what the request has written. Otherwise it takes a connection from the
  pool for the one statement; on PostgreSQL in autocommit mode, so neither a ``BEGIN`` nor
  the pool's ``ROLLBACK`` costs a round trip (``edu.extensions.read_only_session`` does the
  same for whole pages).
- **SQLAlchemy's error handling.** If the driver raises, the pooled connection is dropped
  and the statement runs once more through SQLAlchemy Core, on a fresh connection or the
  session's, which detects a lost server, invalidates the pool and raises its own
  exceptions, as every other query does (the site answers those with its 503 page).

Parameters go to the driver as given, so they must be values it takes as they are
(integers and strings; the statements here bind ids).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, Select

from edu.extensions import db


class _Compiled:
    """The statement as one database's driver takes it, and how to type its rows."""

    def __init__(self, statement: Select, dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = str(compiled)
        # Parameter names in order, for drivers that take them by position (SQLite's).
        self.positions = tuple(compiled.positiontup) if dialect.positional else None
        self._dialect = dialect
        self._types = [column.type.dialect_impl(dialect) for column in statement.selected_columns]
        self.processors: tuple[Callable[[Any], Any] | None, ...] | None = None

    def learn_processors(self, description) -> None:
        # Some drivers' processors depend on the type the server reports for the column
        # (PostgreSQL's numerics), as in SQLAlchemy's own results: learnt from the first
        # execution's cursor description; a statement's column types do not change.
        self.processors = tuple(
            kind.result_processor(self._dialect, column[1])
            for kind, column in zip(self._types, description, strict=True)
        )


class PreparedSelect:
    """A select run on the DBAPI cursor; ``build`` returns it (called once, when first run)."""

    def __init__(self, build: Callable[[], Select]) -> None:
        self._build = build
        self._statement: Select | None = None
        self._compiled: dict[str, _Compiled] = {}  # by dialect name

    @property
    def statement(self) -> Select:
        if self._statement is None:
            self._statement = self._build()
        return self._statement

    def first(self, **params: Any) -> tuple | None:
        """The first row, typed as SQLAlchemy types it, or None."""
        session = db.session
        if session.registry.has() and session().in_transaction():
            return self._first(session.connection(), params)
        # A connection of its own, from SQLAlchemy (which reports a failed connect as the
        # OperationalError the site answers with 503); on PostgreSQL in autocommit mode.
        with db.engine.connect() as core:
            autocommit = core.dialect.name == "postgresql"
            if autocommit:
                core.connection.dbapi_connection.autocommit = True
            row = self._first(core, params, retry_elsewhere=True)
            if autocommit and not core.invalidated:
                core.connection.dbapi_connection.autocommit = False
            return row

    def _first(self, core: Connection, params: dict, retry_elsewhere: bool = False):
        compiled = self._compiled.get(core.dialect.name) or self._compile(core.dialect)
        try:
            return _typed(_fetch_first(core.connection, compiled, params), compiled)
        except core.dialect.loaded_dbapi.Error:
            # SQLAlchemy's own handling from here: a connection of our own is dropped and
            # the read runs on a fresh one; in the session's, it runs again there, where
            # SQLAlchemy detects a lost server and raises its own exception.
            if not retry_elsewhere:
                return _core_first(core, self.statement, params)
            core.invalidate()
            with db.engine.connect() as fresh:
                return _core_first(fresh, self.statement, params)

    def _compile(self, dialect) -> _Compiled:
        compiled = self._compiled[dialect.name] = _Compiled(self.statement, dialect)
        return compiled


def _core_first(core: Connection, statement: Select, params: dict) -> tuple | None:
    row = core.execute(statement, params).first()
    return None if row is None else tuple(row)


def _fetch_first(connection, compiled: _Compiled, params: dict) -> tuple | None:
    cursor = connection.cursor()
    try:
        if compiled.positions is None:
            cursor.execute(compiled.sql, params)
        else:
            cursor.execute(compiled.sql, tuple(params[name] for name in compiled.positions))
        row = cursor.fetchone()
        if compiled.processors is None:
            compiled.learn_processors(cursor.description)
        return row
    finally:
        cursor.close()


def _typed(row: tuple | None, compiled: _Compiled) -> tuple | None:
    if row is None:
        return None
    return tuple(
        value if process is None or value is None else process(value)
        for process, value in zip(compiled.processors, row, strict=True)
    )
