"""Flask extensions, created unbound here and bound in ``create_app``.

Keeping them in one module lets models, services and blueprints import them without
importing the application (no circular imports, no app built at import time).
"""

from collections.abc import Iterator
from contextlib import contextmanager

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
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


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


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

READ_ONLY = "edu.read_only"


class WriteInReadOnlyRequest(RuntimeError):
    """A request declared read-only tried to write: a programming error, never the user's."""


@contextmanager
def read_only_session() -> Iterator[None]:
    """Run the database work inside the block without a transaction, where that saves any.

    A page that only reads (a case node, feedback, a debrief) needs no transaction, and on
    PostgreSQL each one costs two round trips of its own: the driver's ``BEGIN`` before the
    first statement and the pool's ``ROLLBACK`` when the connection goes back. With the
    connection in DBAPI autocommit mode neither is sent. SQLite is left as it is: its
    driver begins a transaction only before a write, so its reads never had one; so is a
    session that has already begun. Any flush or commit inside the block raises
    :class:`WriteInReadOnlyRequest` (the listeners below), so a page that starts writing
    cannot do it statement by statement unnoticed. The session is closed at the end of the
    block, which returns the connection to the pool in its usual mode.
    """
    session = db.session()
    if session.in_transaction() or db.engine.dialect.name == "sqlite":
        yield
        return
    session.info[READ_ONLY] = True
    try:
        session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        yield
    finally:
        session.info.pop(READ_ONLY, None)
        session.close()


@event.listens_for(Session, "before_flush")
def _no_flush_when_read_only(session: Session, _context, _instances) -> None:
    if session.info.get(READ_ONLY) and (session.new or session.dirty or session.deleted):
        raise WriteInReadOnlyRequest("a read-only request tried to write (flush)")


@event.listens_for(Session, "before_commit")
def _no_commit_when_read_only(session: Session) -> None:
    if session.info.get(READ_ONLY):
        raise WriteInReadOnlyRequest("a read-only request tried to write (commit)")
