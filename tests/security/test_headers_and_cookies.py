"""Production settings: HTTPS only, Secure cookies, HSTS, a strict CSP and the other headers.

The app is built as ``EDU_ENV=production`` builds it (not TESTING, CSRF and rate limits
on), on the test database. Requests come "over HTTPS" either directly
(``base_url="https://..."``) or through a TLS-terminating proxy (``X-Forwarded-Proto``).
"""

from __future__ import annotations

import re

import pytest

from edu import create_app
from edu.config import ConfigError
from edu.extensions import db
from tests.conftest import ROOT, empty_all_tables
from tests.factories import PASSWORD
from tests.security.world import make_user

HTTPS = "https://edu.example.org"
ONE_YEAR = 365 * 24 * 3600
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def production_app(_schema, monkeypatch):
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    application = create_app(
        {
            "EDU_ENV": "production",
            "SECRET_KEY": "a-production-secret-key-of-some-length",
            "SQLALCHEMY_DATABASE_URI": _schema,
            "CASES_DIR": str(ROOT / "cases"),
            # Each test is its own client address, so log-in limits never carry over.
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with application.app_context():
        empty_all_tables()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture
def https(production_app):
    return production_app.test_client()


def csp_of(response) -> dict[str, list[str]]:
    policy = {}
    for directive in response.headers["Content-Security-Policy"].split(";"):
        name, *values = directive.split()
        policy[name] = values
    return policy


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app({"EDU_ENV": "production"})


def test_plain_http_is_redirected_to_https(https):
    response = https.get("/auth/login?next=/play/", base_url="http://edu.example.org")
    assert response.status_code in (301, 302)
    assert response.headers["Location"] == "https://edu.example.org/auth/login?next=/play/"


def test_a_request_the_proxy_received_over_https_is_served(https):
    response = https.get(
        "/auth/login", base_url="http://edu.example.org", headers={"X-Forwarded-Proto": "https"}
    )
    assert response.status_code == 200
    assert "Strict-Transport-Security" in response.headers


def test_hsts_lasts_at_least_a_year(https):
    value = https.get("/auth/login", base_url=HTTPS).headers["Strict-Transport-Security"]
    max_age = int(re.search(r"max-age=(\d+)", value)[1])
    assert max_age >= ONE_YEAR


def test_the_content_security_policy_allows_no_inline_script_or_plugins(https):
    policy = csp_of(https.get("/auth/login", base_url=HTTPS))
    raw = " ".join(" ".join(values) for values in policy.values())
    assert "'unsafe-inline'" not in raw and "'unsafe-eval'" not in raw
    assert "*" not in raw.split() and "data:" not in policy.get("script-src", [])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] in (["'self'"], ["'none'"])
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    # No data: or remote images: a sanitiser slip cannot beacon out or draw a fake form.
    assert policy["img-src"] == ["'self'"]


def test_other_security_headers(https):
    headers = https.get("/auth/login", base_url=HTTPS).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] in (
        "no-referrer",
        "same-origin",
        "strict-origin",
        "strict-origin-when-cross-origin",
    )
    assert "camera=()" in headers["Permissions-Policy"]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/healthz", 200),  # JSON
        ("/static/css/app.css", 200),  # a static file
        ("/no/such/page", 404),  # an error page
        ("/play/", 302),  # a redirect to log in
    ],
)
def test_every_kind_of_response_carries_the_headers(https, path, status):
    response = https.get(path, base_url=HTTPS)
    response.close()
    assert response.status_code == status
    assert "Content-Security-Policy" in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" in response.headers


def _cookie(response, name: str) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(f"{name}=")]
    assert cookies, f"no {name} cookie set"
    return cookies[-1]


def _assert_locked_down(cookie: str) -> None:
    attributes = {part.strip().split("=")[0].lower(): part for part in cookie.split(";")}
    assert "secure" in attributes, cookie
    assert "httponly" in attributes, cookie
    assert attributes.get("samesite", "").strip().lower() in ("samesite=lax", "samesite=strict")


def test_the_session_cookie_is_secure_httponly_and_samesite_before_and_after_log_in(
    production_app, https
):
    with production_app.app_context():
        user = make_user("resident")
        email = user.email
    page = https.get("/auth/login", base_url=HTTPS)
    _assert_locked_down(_cookie(page, "session"))
    token = _TOKEN.search(page.get_data(as_text=True))[1]
    response = https.post(
        "/auth/login",
        base_url=HTTPS,
        data={"email": email, "password": PASSWORD, "csrf_token": token},
        headers={"Referer": f"{HTTPS}/auth/login"},
    )
    assert response.status_code == 302
    _assert_locked_down(_cookie(response, "session"))


@pytest.mark.parametrize("referer", [None, "https://evil.example/auth/login"])
def test_over_https_a_post_from_another_site_is_refused_even_with_a_token(https, referer):
    page = https.get("/auth/login", base_url=HTTPS)
    token = _TOKEN.search(page.get_data(as_text=True))[1]
    response = https.post(
        "/auth/login",
        base_url=HTTPS,
        data={"email": "a@b.edu", "password": "whatever-password", "csrf_token": token},
        headers={"Referer": referer} if referer else {},
    )
    assert response.status_code == 400


def test_the_remember_cookie_would_be_locked_down_too(production_app):
    config = production_app.config
    assert config["REMEMBER_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_HTTPONLY"] is True
    assert config["REMEMBER_COOKIE_SAMESITE"] in ("Lax", "Strict")


def test_production_checks_csrf_and_hides_debug_output(production_app):
    assert production_app.config.get("WTF_CSRF_ENABLED", True) is True
    assert not production_app.debug and not production_app.testing
    assert production_app.config["MAX_CONTENT_LENGTH"] <= 8 * 1024 * 1024
