"""Configuration defaults and the production safety net."""

import pytest

from edu import create_app
from edu.config import ConfigError, load_config


def test_development_generates_a_secret_key_once_and_keeps_it(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("EDU_ENV", raising=False)
    first = load_config(tmp_path)["SECRET_KEY"]
    second = load_config(tmp_path)["SECRET_KEY"]
    assert len(first) >= 32
    assert first == second
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_production_refuses_to_start_without_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("EDU_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        load_config(tmp_path)


def test_production_marks_cookies_secure(tmp_path, monkeypatch):
    monkeypatch.setenv("EDU_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    config = load_config(tmp_path)
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] is True
    assert config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_default_database_is_sqlite_under_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert (
        load_config(tmp_path)["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'edu.sqlite3'}"
    )


@pytest.mark.parametrize(
    "given",
    ["postgres://u@h:5432/d", "postgresql://u@h:5432/d"],
)
def test_postgres_urls_use_psycopg3(tmp_path, monkeypatch, given):
    monkeypatch.setenv("DATABASE_URL", given)
    assert load_config(tmp_path)["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h:5432/d"


def test_a_test_mapping_overrides_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/d")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "k", "TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"
    assert app.config["SECRET_KEY"] == "k"
