"""Password rules, safe ``next`` redirects, and sessions that end when they should."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask import g
from werkzeug.security import check_password_hash

from edu.config import load_config
from edu.extensions import db
from edu.models import User
from tests.factories import PASSWORD
from tests.security.world import make_user


def register(client, password: str, email: str = "new.resident@test.edu", confirm=None):
    return client.post(
        "/auth/register",
        data={
            "name": "New Resident",
            "email": email,
            "password": password,
            "confirm": password if confirm is None else confirm,
        },
    )


class TestPasswordRules:
    @pytest.mark.parametrize(
        ("password", "why"),
        [
            ("short1!", "at least 10 characters"),
            ("password123", "too easy to guess"),
            ("aaaaaaaaaaaa", "too easy to guess"),  # fewer than 4 different characters
            ("new.resident-2026", "email address"),  # built from the email's local part
            ("x" * 150 + "Yz1!" * 20, "200 characters"),
        ],
    )
    def test_a_weak_password_is_refused_with_the_reason(self, client, password, why):
        response = register(client, password)
        assert response.status_code == 200
        assert why in response.get_data(as_text=True)
        assert db.session.query(User).count() == 0

    def test_the_password_is_never_echoed_back_into_the_page(self, client):
        response = register(client, "short1!-echo", confirm="does-not-match-9")
        assert "short1!-echo" not in response.get_data(as_text=True)

    def test_a_good_password_is_stored_only_as_a_salted_hash(self, client):
        assert register(client, "steady-lvef-every-3-months").status_code == 302
        user = db.session.query(User).one()
        assert "steady-lvef" not in user.password_hash
        assert check_password_hash(user.password_hash, "steady-lvef-every-3-months")

    def test_production_hashes_with_scrypt(self, tmp_path):
        assert load_config(tmp_path, {"SECRET_KEY": "k"})["PASSWORD_HASH_METHOD"] == "scrypt"


# Where the log-in page may send someone after logging in: only paths on this site.
HOSTILE_NEXT = [
    "https://evil.example/",
    "http:evil.example",
    "https:/evil.example",
    "//evil.example/path",
    "///evil.example",
    "////evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    " //evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "\x00//evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "%2F%2Fevil.example",
]


class TestNextParameter:
    @pytest.mark.parametrize("next_url", HOSTILE_NEXT)
    def test_log_in_never_redirects_off_site(self, client, next_url):
        user = make_user("resident")
        response = client.post(
            "/auth/login",
            query_string={"next": next_url},
            data={"email": user.email, "password": PASSWORD},
        )
        assert response.status_code == 302
        location = response.headers["Location"]
        parts = urlsplit(location)
        assert not parts.scheme and not parts.netloc, location
        assert location.startswith("/") and location[1:2] not in ("/", "\\"), location
        assert not any(ord(ch) < 33 for ch in location), location

    def test_a_local_next_is_followed(self, client):
        user = make_user("resident")
        response = client.post(
            "/auth/login",
            query_string={"next": "/play/progress"},
            data={"email": user.email, "password": PASSWORD},
        )
        assert response.headers["Location"] == "/play/progress"

    def test_a_protected_page_sends_a_local_next_to_the_log_in_page(self, client):
        location = client.get("/play/progress").headers["Location"]
        assert location.startswith("/auth/login?next=")
        assert urlsplit(location).netloc == ""


class TestSessions:
    def test_log_out_ends_the_session(self, client):
        user = make_user("resident")
        client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
        assert client.get("/play/").status_code == 200
        client.post("/auth/logout")
        assert client.get("/play/").status_code == 302

    def test_log_out_is_not_a_get(self, client):
        user = make_user("resident")
        client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
        assert client.get("/auth/logout").status_code == 405
        assert client.get("/play/").status_code == 200

    def test_disabling_an_account_ends_its_open_sessions(self, app):
        client = app.test_client()
        user = make_user("resident")
        client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
        assert client.get("/play/").status_code == 200
        # An admin disables the account while the resident is still logged in.
        db.session.get(User, user.id).is_active_account = False
        db.session.commit()
        response = _fresh_request(app, client, "/play/")
        assert response.status_code == 302, "a disabled account kept using its session"
        assert response.headers["Location"].startswith("/auth/login")

    def test_a_demoted_instructor_loses_instructor_pages_at_once(self, app):
        client = app.test_client()
        user = make_user("instructor")
        client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
        assert client.get("/author/").status_code == 200
        db.session.get(User, user.id).role = "resident"
        db.session.commit()
        assert _fresh_request(app, client, "/author/").status_code == 403


def _fresh_request(app, client, path: str):
    """A request in its own app context, as in production, so nothing is cached on ``g``."""
    db.session.remove()
    g.pop("_login_user", None)
    return client.get(path)
