"""Timestamps: always timezone-aware UTC, stored naive-UTC where the backend has no zone."""

from datetime import UTC, datetime

from sqlalchemy import String, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


def utcnow() -> datetime:
    """Return the current time in UTC, without tzinfo (what both SQLite and our columns hold)."""
    return datetime.now(UTC).replace(tzinfo=None)


class utc_text(FunctionElement):  # noqa: N801 (a SQL function: lower-case like func.*)
    """A timestamp column read as text, ``YYYY-MM-DD HH:MM:SS[.ffffff]`` in UTC.

    For exports of millions of rows (see :func:`edu.exports.cells.timestamp_cell`): the
    driver hands over a short string instead of a datetime that Python builds and then
    formats again. SQLite already stores this text (SQLAlchemy's DATETIME form), so it is
    read as it is; PostgreSQL writes it with ``to_char``. Our columns hold naive UTC, so
    no zone is converted. Any other database returns its datetime unchanged.
    """

    type = String()
    name = "utc_text"
    inherit_cache = True


@compiles(utc_text)
def _utc_text_as_stored(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(utc_text, "postgresql")
def _utc_text_postgresql(element, compiler, **kw):
    return compiler.process(func.to_char(*element.clauses, "YYYY-MM-DD HH24:MI:SS"), **kw)
