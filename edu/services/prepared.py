"""The hottest statements run on the driver's cursor: Core statements, compiled once per
database.

Every signed-in request reads its user (``accounts.signed_in_user``), the pages about one
attempt read the attempt with the user (``play.read_attempt_with_user``), and a decision
writes its two rows (``play._write_decision``). Run through SQLAlchemy's execution, each
such small statement cost several times more in SQLAlchemy's machinery (the session and its
transaction, the execution context, the result object) than in the database: the user with
the attempt took about 85 µs through a Session against 20 µs on the driver's own cursor, a
tenth of a case node page, and the decision's writes a seventh of a decision
(docs/performance-history.md, eighth session).

:class:`PreparedSelect` and :class:`PreparedWrite` keep what matters of SQLAlchemy for such
statements: each is written once as a Core statement and compiled by the database's own
dialect, and the values going in and out are converted by the column types' own bind and
result processors, so what is stored and read is exactly what ``Connection.execute`` would
store and give (``tests/services/test_prepared.py`` compares them on both databases). What
a read skips, and why that is safe here:

- **Its own transaction.** When the request's session has begun, the read runs on that
  session's connection, in its transaction (or, on a read-only page, in its autocommit
  mode), so it sees what the request has written. Otherwise it runs on the connection the
  request's statements outside the session share (:func:`sharing_a_connection`, taken from
  the pool by the first of them), or, outside such a block, on one taken for the one
  statement; on PostgreSQL in autocommit mode, so neither a ``BEGIN`` nor the pool's
  ``ROLLBACK`` costs a round trip (``edu.extensions.read_only_session`` does the same for
  whole pages). A write outside the session takes the shared connection too
  (:func:`writing`), in a transaction of its own.
- **SQLAlchemy's error handling.** If the driver raises, the pooled connection is dropped
  and the statement runs once more through SQLAlchemy Core, on a fresh connection or the
  session's, which detects a lost server, invalidates the pool and raises its own
  exceptions, as every other query does (the site answers those with its 503 page).

A read's parameters go to the driver as given, so they must be values it takes as they are
(integers and strings; the statements here bind ids). A write runs on the Core connection
it is given, in that connection's transaction; see :class:`PreparedWrite` for what it
leaves out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple

from sqlalchemy import Connection, Executable, Select, exc

from edu.extensions import db, session_has_begun


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
        if session_has_begun():
            return self._first(db.session.connection(), params)
        shared = _sharing.get()
        if shared is not None:
            return self._first(shared.take(), params, retry_elsewhere=True)
        own = _Shared()  # outside a request: a connection for this one statement
        try:
            return self._first(own.take(), params, retry_elsewhere=True)
        finally:
            own.give_back()

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


# --- one connection for a request's statements outside the session --------------------

_sharing: ContextVar[_Shared | None] = ContextVar("edu_prepared_sharing", default=None)


class _Shared:
    """The pooled connection the statements of one :func:`sharing_a_connection` block
    share, taken by the first of them."""

    __slots__ = ("connection",)

    def __init__(self) -> None:
        self.connection: Connection | None = None

    def take(self) -> Connection:
        if self.connection is not None and self.connection.invalidated:
            self.connection.close()  # a driver error dropped it: a fresh one from the pool
            self.connection = None
        if self.connection is None:
            # From SQLAlchemy, which reports a failed connect as the OperationalError the
            # site answers with 503.
            self.connection = db.engine.connect()
            _set_autocommit(self.connection, True)  # between statements, as a read wants
        return self.connection

    def give_back(self) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        if not connection.invalidated:
            _set_autocommit(connection, False)
        connection.close()


@contextmanager
def sharing_a_connection() -> Iterator[None]:
    """Inside the block, the reads here and :func:`writing` that run outside the ORM
    session share one pooled connection, taken by the first and given back at the end of
    the block: a decision's read (with the user) and its write cost one checkout from the
    pool instead of two (``edu.create_app`` wraps every request in it). Statements
    in a session that has begun run in that session, as without the block."""
    shared = _Shared()
    entered = _sharing.set(shared)
    try:
        yield
    finally:
        _sharing.reset(entered)
        shared.give_back()


@contextmanager
def writing(*, single_statement: bool = False) -> Iterator[Connection]:
    """A Core connection to write on outside the ORM session: the block's shared one
    (:func:`sharing_a_connection`) once a read has taken it, else one from the pool. The
    block's statements run in one transaction, committed at its end and rolled back if it
    raises; on PostgreSQL a ``single_statement`` write runs in autocommit mode instead,
    atomic by itself, without the ``BEGIN`` and the ``COMMIT`` (two round trips)."""
    shared = _sharing.get()
    own = None if shared is not None and shared.connection is not None else _Shared()
    core = (shared if own is None else own).take()
    try:
        autocommit = single_statement and core.dialect.name == "postgresql"
        _set_autocommit(core, autocommit)
        if autocommit:
            yield core
        else:
            with core.begin():  # rolled back if the write raises, so idle again below
                yield core
    finally:
        if own is not None:
            own.give_back()
        elif not core.invalidated:
            _set_autocommit(core, True)  # for the request's next reads


def _set_autocommit(core: Connection, on: bool) -> None:
    # On the DBAPI connection itself, as SQLAlchemy's isolation_level="AUTOCOMMIT" does,
    # but without its bookkeeping; the pool gets every connection back with it off.
    if core.dialect.name == "postgresql":
        dbapi = core.connection.dbapi_connection
        if dbapi.autocommit != on:
            dbapi.autocommit = on


class Written(NamedTuple):
    rowcount: int
    lastrowid: int | None  # the inserted row's id, on drivers that report it (SQLite's)
    returned: tuple | None  # the first row of a RETURNING clause, as the driver gives it


class PreparedWrite:
    """An insert or update run on the driver's cursor of a Core connection, in whatever
    transaction that connection is in; ``build`` returns it (called once, when first run).

    Every value the statement writes is a named ``bindparam`` with its column's type, and
    each value is converted by that type's bind processor, as SQLAlchemy's execution would
    (JSON to text, datetimes to text on SQLite). What SQLAlchemy's execution would add and
    this does not: Python-side column defaults and ``onupdate`` values, so the statement
    must set every column it needs itself. A driver error is raised as SQLAlchemy's own
    exception class (``IntegrityError`` for a unique violation); a lost server also
    invalidates the connection, as SQLAlchemy does.
    """

    def __init__(self, build: Callable[[], Executable]) -> None:
        self._build = build
        self._compiled: dict[str, _CompiledWrite] = {}  # by dialect name

    def run(self, core: Connection, params: dict) -> Written:
        """Run with ``params`` (by bind name) on ``core``; what the driver reports."""
        dialect = core.dialect
        compiled = self._compiled.get(dialect.name) or self._compile(dialect)
        values = [
            (name, params[name] if process is None else process(params[name]))
            for name, process in compiled.binds
        ]
        parameters = tuple(v for _, v in values) if dialect.positional else dict(values)
        sql = compiled.sql
        try:
            cursor = _execute(core.connection, sql, parameters)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, core.connection.dbapi_connection, None):
                core.invalidate(error)
            raise exc.DBAPIError.instance(
                sql, parameters, error, dialect.loaded_dbapi.Error, dialect=dialect
            ) from error
        try:
            returned = cursor.fetchone() if compiled.returns_rows else None
            return Written(cursor.rowcount, getattr(cursor, "lastrowid", None), returned)
        finally:
            cursor.close()

    def _compile(self, dialect) -> _CompiledWrite:
        compiled = self._build().compile(dialect=dialect)
        # In the order a positional driver (SQLite's) takes them; by name otherwise.
        names = compiled.positiontup if dialect.positional else list(compiled.binds)
        binds = tuple(
            (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
            for name in names
        )
        # Whether it has a RETURNING clause, known here: asking the cursor for its
        # description costs psycopg a column object per returned column on every run.
        returns_rows = bool(compiled.returning)
        found = self._compiled[dialect.name] = _CompiledWrite(str(compiled), binds, returns_rows)
        return found


class _CompiledWrite(NamedTuple):
    sql: str
    binds: tuple[tuple[str, Callable[[Any], Any] | None], ...]  # each name and its processor
    returns_rows: bool


def _core_first(core: Connection, statement: Select, params: dict) -> tuple | None:
    row = core.execute(statement, params).first()
    return None if row is None else tuple(row)


def _execute(connection, sql: str, parameters):
    """Send one statement to the driver; its cursor (the caller closes it). The one place
    where this module's statements reach the database."""
    cursor = connection.cursor()
    try:
        cursor.execute(sql, parameters)
    except BaseException:
        cursor.close()
        raise
    return cursor


def _fetch_first(connection, compiled: _Compiled, params: dict) -> tuple | None:
    if compiled.positions is None:
        parameters = params
    else:
        parameters = tuple(params[name] for name in compiled.positions)
    cursor = _execute(connection, compiled.sql, parameters)
    try:
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
