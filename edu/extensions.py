"""Flask extensions, created unbound here and bound in ``create_app``.

Keeping them in one module lets models, services and blueprints import them without
importing the application (no circular imports, no app built at import time).
"""

import select
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from weakref import WeakKeyDictionary

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, MetaData, event, exc, make_url
from sqlalchemy.orm import DeclarativeBase, Session

# Named constraints so Alembic can alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Whether the code running is inside a read-only block. A context variable, not the
# session's ``info``: the block must not create the session to mark it, since most
# read-only pages (a node page on PostgreSQL too) never use one.
_in_read_only_block: ContextVar[bool] = ContextVar("edu_read_only_block", default=False)


class EduSession(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy's session, whose transaction begun inside a read-only block
    (:func:`read_only_session`) runs on an autocommit connection: the same engine and pool,
    with SQLAlchemy's ``isolation_level="AUTOCOMMIT"``, which the pool undoes when the
    connection goes back."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        found = super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)
        if bind is None and _in_read_only_block.get() and isinstance(found, Engine):
            return _autocommit_engine(found)
        return found


_AUTOCOMMIT_ENGINES: WeakKeyDictionary[Engine, Engine] = WeakKeyDictionary()


def _autocommit_engine(engine: Engine) -> Engine:
    found = _AUTOCOMMIT_ENGINES.get(engine)
    if found is None:
        found = _AUTOCOMMIT_ENGINES[engine] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return found


db = SQLAlchemy(model_class=Base, session_options={"class_": EduSession})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_db(app) -> None:
    """Bind Flask-SQLAlchemy, with the pool making sure each connection it hands out is open.

    A pooled connection can be dead: the server restarted, an administrator ended it, a
    proxy dropped it. ``pool_pre_ping`` finds out by sending ``SELECT 1`` at every checkout,
    which on PostgreSQL is a round trip per request: a fifth of a logged-in page's
    throughput in the benchmark (docs/performance-history.md, seventh session). For
    PostgreSQL the pool instead asks the kernel whether the server has written to or closed
    the idle connection's socket, as Go's MySQL driver does before reusing a connection: a
    server that ends a session sends its FATAL message and closes the socket, and an idle
    connection receives nothing else (edu never LISTENs). A found one is replaced, with
    every connection older than it, as a failed ping would be. What the check cannot see is
    a connection whose server is gone without a word (a network cut with no FIN, or a kill
    in the very millisecond before the request): that request fails with the site's 503 and
    the pool replaces the connection for the next. SQLite gets no check: its connections are
    to a local file, with no server to end them, and its ``SELECT 1`` reads no page of the
    file, so a ping could not see a locked or replaced file either (a checkout's statement
    for nothing). Other databases keep ``pool_pre_ping``, as do engine options that set it.
    """
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})  # never the caller's
    backend = make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    check_socket = backend == "postgresql" and "pool_pre_ping" not in options
    options.setdefault("pool_pre_ping", backend not in ("postgresql", "sqlite"))
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    if check_socket:
        with app.app_context():
            engine = db.engine
        if not event.contains(engine, "checkout", _refuse_closed_connection):
            event.listen(engine, "checkout", _refuse_closed_connection)


def _refuse_closed_connection(dbapi_connection, _record, _proxy) -> None:
    if server_has_closed(dbapi_connection):
        # As a failed pre-ping: the pool reconnects this one and drops the older ones.
        raise exc.InvalidatePoolError("the database server closed this connection")


def server_has_closed(dbapi_connection) -> bool:
    """Whether an idle PostgreSQL connection is closed, or has data waiting (which on an
    idle connection can only be the server's goodbye), asked of the kernel, not the server."""
    if dbapi_connection.closed or getattr(dbapi_connection, "broken", False):
        return True
    try:
        descriptor = dbapi_connection.fileno()
    except Exception:  # the driver's "connection is closed", whatever its class
        return True
    poller = select.poll()
    poller.register(descriptor, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))  # POLLHUP and POLLERR are always reported too


def init_sqlite_pragmas(app) -> None:
    """Put SQLite file databases in WAL mode with ``synchronous=NORMAL`` on every connection.

    WAL lets readers go on while a worker writes, and NORMAL drops the fsync per commit
    (a commit stays atomic and durable across an application crash; only a power loss
    may lose the last transactions). Other databases, and ``SQLITE_WAL = False``, are left
    alone; an in-memory database has no journal to switch and only gets ``synchronous``.
    """
    if not app.config.get("SQLITE_WAL", True):
        return
    with app.app_context():
        engines = list(db.engines.values())
    for engine in engines:
        if engine.dialect.name == "sqlite" and not event.contains(
            engine, "connect", _sqlite_on_connect
        ):
            event.listen(engine, "connect", _sqlite_on_connect)


def _sqlite_on_connect(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")  # in-memory: stays "memory", harmlessly
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


# --- read-only requests ------------------------------------------------------------------


def session_has_begun() -> bool:
    """Whether this request's ORM session exists and is in a transaction (without creating
    the session to find out)."""
    return db.session.registry.has() and db.session().in_transaction()


class WriteInReadOnlyRequest(RuntimeError):
    """A request declared read-only tried to write: a programming error, never the user's."""


@contextmanager
def read_only_session() -> Iterator[None]:
    """Run the database work inside the block without a transaction, where that saves any.

    A page that only reads (a case node, feedback, a debrief) needs no transaction, and on
    PostgreSQL each one costs two round trips of its own: the driver's ``BEGIN`` before the
    first statement and the pool's ``ROLLBACK`` when the connection goes back. A session
    that begins inside the block takes its connection in DBAPI autocommit mode
    (:class:`EduSession`), so neither is sent; the hot reads on the driver's cursor
    (``edu.services.prepared``) take theirs in that mode too. Nothing is created up front:
    a page whose reads all run on the cursor never builds a session. SQLite is left as it
    is: its driver begins a transaction only before a write, so its reads never had one;
    so is a session that has already begun. Any flush or commit inside the block raises
    :class:`WriteInReadOnlyRequest` (the listeners below), so a page that starts writing
    cannot do it statement by statement unnoticed. A session used in the block is closed
    at its end, which returns the connection to the pool in its usual mode.
    """
    if db.engine.dialect.name == "sqlite" or session_has_begun():
        yield
        return
    entered = _in_read_only_block.set(True)
    try:
        yield
    finally:
        _in_read_only_block.reset(entered)
        if db.session.registry.has():
            db.session().close()


@event.listens_for(Session, "before_flush")
def _no_flush_when_read_only(session: Session, _context, _instances) -> None:
    if _in_read_only_block.get() and (session.new or session.dirty or session.deleted):
        raise WriteInReadOnlyRequest("a read-only request tried to write (flush)")


@event.listens_for(Session, "before_commit")
def _no_commit_when_read_only(session: Session) -> None:
    if _in_read_only_block.get():
        raise WriteInReadOnlyRequest("a read-only request tried to write (commit)")
