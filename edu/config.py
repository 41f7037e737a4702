"""Configuration: safe defaults, overridden by environment variables.

Development needs nothing set: the database is a SQLite file under ``instance/`` and a
secret key is generated there on first run. Production (``EDU_ENV=production``) refuses
to start without an explicit ``SECRET_KEY`` so sessions are never signed with a key
that lives only on one machine's disk by accident.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """Raised when the app cannot start safely with the configuration it was given."""


def _instance_secret_key(instance_path: Path) -> str:
    """Return the development secret kept under instance/, creating it on first run."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Write-then-rename so two workers starting together never read a half-written key.
    tmp = key_file.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(key)
    os.chmod(tmp, 0o600)
    os.replace(tmp, key_file)
    return key_file.read_text().strip()


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{instance_path / 'edu.sqlite3'}"
    # Heroku-style URLs name the old driver; SQLAlchemy 2 wants psycopg 3 explicitly.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def load_config(instance_path: Path, overrides: Mapping[str, Any] | None = None) -> dict:
    """Return the configuration: safe defaults, then the environment, then ``overrides``."""
    overrides = dict(overrides or {})
    env = overrides.get("EDU_ENV") or os.environ.get("EDU_ENV", "development")
    production = env == "production"
    secret = overrides.get("SECRET_KEY") or os.environ.get("SECRET_KEY")
    if not secret:
        if production:
            raise ConfigError(
                "SECRET_KEY is not set. In production edu refuses to start without one: "
                "set SECRET_KEY to a long random string (e.g. `python -c 'import secrets; "
                "print(secrets.token_hex(32))'`)."
            )
        secret = _instance_secret_key(instance_path)
    settings = {
        "EDU_ENV": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        # How the pool checks a connection before handing it out: edu.extensions.init_db.
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        # SQLite files only: WAL journal and synchronous=NORMAL (edu.extensions).
        "SQLITE_WAL": os.environ.get("EDU_SQLITE_WAL", "1") != "0",
        "CASES_DIR": os.environ.get("EDU_CASES_DIR", str(PROJECT_ROOT / "cases")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        # Case uploads are Markdown files of at most 256 KiB each; a few at once.
        "MAX_CONTENT_LENGTH": int(os.environ.get("EDU_MAX_UPLOAD_BYTES", 2 * 1024 * 1024)),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # How many reverse proxies stand in front of edu (nginx in front of gunicorn: 1).
        # Their X-Forwarded-For/-Proto are then believed, so rate limits count each
        # client, not the proxy; 0 believes no such header, so nobody can forge one.
        "TRUSTED_PROXIES": int(os.environ.get("EDU_TRUSTED_PROXIES", "0")),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("EDU_LOGIN_RATE_LIMIT", "10 per minute"),
        "WTF_CSRF_TIME_LIMIT": None,
        "PASSWORD_HASH_METHOD": "scrypt",
    }
    settings.update(overrides)
    return settings


TEST_CONFIG = {
    "TESTING": True,
    # Cheap hashing keeps log-in-heavy tests fast; never use this outside tests.
    "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    "RATELIMIT_ENABLED": False,
    # The fault tests pin the rollback journal's locking (a stuck writer blocks readers);
    # tests/services/test_sqlite_wal.py turns WAL on explicitly.
    "SQLITE_WAL": False,
}
