"""Bench databases: a SQLite file in a work directory, or ``edu_bench_*`` on PostgreSQL.

PostgreSQL is reached through ``BENCH_POSTGRES_URL`` (default: the local server as user
postgres); each bench database is created empty, and dropped afterwards unless kept.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
BACKENDS = ("sqlite", "postgres")


@dataclass(frozen=True)
class BenchDatabase:
    backend: str  # sqlite | postgres
    name: str  # edu_bench_<label>
    url: str  # SQLAlchemy URL the app is given

    @property
    def env_url(self) -> str:
        """The URL as ``DATABASE_URL`` takes it (``postgresql://`` is normalised by edu)."""
        return self.url


def _postgres_admin_url() -> str:
    url = os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES)
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
    return url


def bench_database(backend: str, label: str, workdir: Path) -> BenchDatabase:
    """Return where the bench database ``label`` lives (nothing is created yet)."""
    name = "edu_bench_" + re.sub(r"[^a-z0-9_]", "_", label.lower())
    if backend == "sqlite":
        return BenchDatabase(backend, name, f"sqlite:///{workdir / (name + '.sqlite3')}")
    if backend == "postgres":
        url = make_url(_postgres_admin_url()).set(database=name)
        return BenchDatabase(backend, name, url.render_as_string(hide_password=False))
    raise ValueError(f"unknown database backend {backend!r}; choose one of {BACKENDS}")


def exists(db: BenchDatabase) -> bool:
    if db.backend == "sqlite":
        return Path(make_url(db.url).database).exists()
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            found = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": db.name}
            ).first()
        return found is not None
    finally:
        admin.dispose()


def create_empty(db: BenchDatabase) -> None:
    """Create ``db`` empty, dropping any earlier one of the same name."""
    drop(db)
    if db.backend == "sqlite":
        Path(make_url(db.url).database).parent.mkdir(parents=True, exist_ok=True)
        return
    _run_on_server(f'CREATE DATABASE "{db.name}"')


def drop(db: BenchDatabase) -> None:
    if db.backend == "sqlite":
        path = Path(make_url(db.url).database)
        for suffix in ("", "-journal", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    _run_on_server(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')


def _run_on_server(statement: str) -> None:
    """Run one statement on the PostgreSQL server's maintenance database (autocommit)."""
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(statement))
    finally:
        admin.dispose()


def postgres_available() -> bool:
    try:
        admin = _admin_engine()
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
        admin.dispose()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable": the run says so
        return False


def _admin_engine():
    return create_engine(
        _postgres_admin_url(), isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
