"""How ``utc_text`` (a timestamp read as text, for large exports) compiles per database."""

from sqlalchemy import select
from sqlalchemy.dialects import mysql, postgresql, sqlite

from edu.models import Choice
from edu.models._time import utc_text


def compiled(dialect) -> str:
    return str(select(utc_text(Choice.decided_at)).compile(dialect=dialect))


def test_sqlite_reads_the_stored_text_as_it_is():
    assert compiled(sqlite.dialect()).startswith("SELECT choices.decided_at")


def test_postgresql_formats_it_with_to_char():
    assert "to_char(choices.decided_at, " in compiled(postgresql.dialect())


def test_another_database_returns_its_datetime_for_python_to_format():
    assert compiled(mysql.dialect()).startswith("SELECT choices.decided_at")
