"""Bulk inserts: ``executemany`` of plain tuples on SQLite, ``COPY`` on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import text


class BulkWriter:
    """Insert many rows the fast way for the connected database."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        if not self.postgres:
            # Only this connection: a crash mid-generation just means generating again.
            connection.exec_driver_sql("PRAGMA synchronous = OFF")

    def time(self, value: datetime | None):
        """A timestamp as this backend's bulk path takes it (SQLAlchemy's SQLite text form)."""
        if value is None or self.postgres:
            return value
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")

    def insert(self, table: str, columns: Sequence[str], rows: Iterable[tuple]) -> int:
        """Insert ``rows`` (tuples in ``columns`` order); return how many."""
        if self.postgres:
            count = 0
            cursor = self.connection.connection.driver_connection.cursor()
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    count += 1
            cursor.close()
            return count
        rows = list(rows)
        if rows:
            marks = ", ".join("?" for _ in columns)
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
            self.connection.exec_driver_sql(sql, rows)
        return len(rows)

    def next_id(self, table: str) -> int:
        return (
            self.connection.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar() + 1
        )

    def finish(self, tables: Iterable[str]) -> None:
        """Move PostgreSQL's id sequences past the ids written here, and refresh statistics."""
        if not self.postgres:
            return
        for table in tables:
            self.connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
            )


USER_COLUMNS = (
    "id", "email", "name", "password_hash", "role", "is_active_account", "created_at",
    "failed_logins", "sis_user_id", "canvas_user_id",
)  # fmt: skip
ATTEMPT_COLUMNS = (
    "id", "user_id", "case_id", "case_version_id", "course_id", "kind", "mode",
    "guideline_version", "status", "preview", "path", "current_node", "points", "max_points",
    "started_at", "updated_at", "completed_at", "lock_version",
)  # fmt: skip
CHOICE_COLUMNS = (
    "id", "attempt_id", "step", "node_id", "decision", "option_code", "verdict", "rule",
    "points", "max_points", "safety_error", "pitfalls", "guideline_version", "decided_at",
)  # fmt: skip
