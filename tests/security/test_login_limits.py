"""Log-in rate limits and lockout: they slow guessing and never say whether an account exists.

Two defences, tested apart: a per-client-address rate limit on log-in POSTs (429 after
``LOGIN_RATE_LIMIT``), and a per-account lockout after five failures (15 minutes), kept
on the account row so it holds across workers. Every failure, whatever its cause, shows
the same message; the 429 page shows no account detail at all.
"""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest

from edu.extensions import db
from edu.models import User
from edu.models import users as users_module
from edu.models._time import utcnow
from edu.services import accounts
from edu.services.accounts import LOCKOUT, LOGIN_FAILED, MAX_FAILED_LOGINS
from tests.factories import PASSWORD
from tests.security.world import make_user

LIMIT = 3
_addresses = (f"198.51.100.{n}" for n in itertools.count(1))


@pytest.fixture
def app_config():
    return {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOGIN_RATE_LIMIT": f"{LIMIT} per minute",
    }


@pytest.fixture
def address() -> str:
    """A client address of this test's own, so no limit carries over from another test."""
    return next(_addresses)


def attempt(client, email: str, password: str, address: str, **headers):
    return client.post(
        "/auth/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def flash_of(response) -> str:
    match = re.search(r'<p class="flash flash-error">(.*?)</p>', response.get_data(as_text=True))
    return match[1] if match else ""


def body_without(response, *secrets: str) -> str:
    text = response.get_data(as_text=True)
    for secret in secrets:
        text = text.replace(secret, "EMAIL")
    return text


class TestRateLimit:
    def test_the_request_after_the_limit_gets_429_with_the_sites_page(self, client, address):
        user = make_user("resident")
        for _ in range(LIMIT):
            assert attempt(client, user.email, "wrong-password", address).status_code == 200
        response = attempt(client, user.email, "wrong-password", address)
        assert response.status_code == 429
        page = response.get_data(as_text=True)
        assert "Too many requests" in page and 'class="site-header"' in page
        assert "Retry-After" in response.headers or "X-RateLimit-Reset" in response.headers

    def test_the_429_page_says_nothing_about_the_account(self, client):
        user = make_user("resident")
        pages = []
        for email in (user.email, "nobody-here@test.edu"):
            address = next(_addresses)
            for _ in range(LIMIT):
                attempt(client, email, "wrong-password", address)
            response = attempt(client, email, "wrong-password", address)
            assert response.status_code == 429
            assert email not in response.get_data(as_text=True)
            pages.append(body_without(response, email))
        assert pages[0] == pages[1]
        for word in ("locked", "exist", "unknown", "no account", user.name):
            assert word.lower() not in pages[0].lower()

    def test_even_the_right_password_waits_once_limited(self, client, address):
        user = make_user("resident")
        for _ in range(LIMIT):
            attempt(client, user.email, "wrong-password", address)
        assert attempt(client, user.email, PASSWORD, address).status_code == 429

    def test_the_limit_counts_each_client_address(self, client, address):
        user = make_user("resident")
        for _ in range(LIMIT + 1):
            attempt(client, "someone-else@test.edu", "wrong-password", address)
        assert attempt(client, user.email, PASSWORD, next(_addresses)).status_code == 302

    def test_opening_the_log_in_page_is_not_counted(self, client, address):
        for _ in range(LIMIT * 3):
            assert (
                client.get("/auth/login", environ_base={"REMOTE_ADDR": address}).status_code == 200
            )
        user = make_user("resident")
        assert attempt(client, user.email, PASSWORD, address).status_code == 302

    def test_a_forged_forwarded_for_header_does_not_reset_the_count(self, client, address):
        # With no trusted proxy configured, X-Forwarded-For is the client's own claim.
        for n in range(LIMIT):
            attempt(
                client,
                "x@test.edu",
                "wrong-password",
                address,
                **{"X-Forwarded-For": f"10.0.0.{n}"},
            )
        response = attempt(
            client, "x@test.edu", "wrong-password", address, **{"X-Forwarded-For": "10.9.9.9"}
        )
        assert response.status_code == 429

    def test_registration_is_limited_like_log_in(self, client, address):
        # The register form creates accounts and answers "an account with this email
        # already exists": unthrottled, it is both a spam door and a way to list accounts.
        statuses = [
            client.post(
                "/auth/register",
                data={"name": "N", "email": f"r{n}@test.edu", "password": "x", "confirm": "x"},
                environ_base={"REMOTE_ADDR": address},
            ).status_code
            for n in range(LIMIT + 1)
        ]
        assert statuses[-1] == 429, statuses


class TestBehindAProxy:
    @pytest.fixture
    def app_config(self):
        return {
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "LOGIN_RATE_LIMIT": f"{LIMIT} per minute",
            "TRUSTED_PROXIES": 1,
        }

    def test_residents_behind_the_same_proxy_are_counted_apart(self, client, address):
        proxy = address  # every request reaches gunicorn from the proxy's address
        for _ in range(LIMIT + 1):
            attempt(
                client, "x@test.edu", "wrong-password", proxy, **{"X-Forwarded-For": "203.0.113.7"}
            )
        user = make_user("resident")
        response = attempt(
            client, user.email, PASSWORD, proxy, **{"X-Forwarded-For": "203.0.113.8"}
        )
        assert response.status_code == 302

    def test_one_client_behind_the_proxy_is_still_limited(self, client, address):
        for _ in range(LIMIT):
            attempt(
                client,
                "x@test.edu",
                "wrong-password",
                address,
                **{"X-Forwarded-For": "203.0.113.9"},
            )
        response = attempt(
            client, "x@test.edu", "wrong-password", address, **{"X-Forwarded-For": "203.0.113.9"}
        )
        assert response.status_code == 429


class TestLockout:
    @pytest.fixture
    def app_config(self):
        return {}  # rate limits off: these tests make more attempts than the limit allows

    def test_five_failures_lock_the_account_even_against_the_right_password(self, client):
        user = make_user("resident")
        for _ in range(MAX_FAILED_LOGINS):
            attempt(client, user.email, "wrong-password", "192.0.2.1")
        response = attempt(client, user.email, PASSWORD, "192.0.2.2")
        assert response.status_code == 200
        assert flash_of(response) == LOGIN_FAILED
        assert db.session.get(User, user.id).locked_until > utcnow() + LOCKOUT - timedelta(
            minutes=1
        )

    def test_locked_wrong_and_unknown_look_the_same(self, client):
        locked, other = make_user("resident"), make_user("resident")
        for _ in range(MAX_FAILED_LOGINS):
            attempt(client, locked.email, "wrong-password", "192.0.2.3")
        answers = [
            attempt(client, locked.email, PASSWORD, "192.0.2.4"),  # locked, right password
            attempt(client, other.email, "wrong-password", "192.0.2.4"),  # wrong password
            attempt(client, "nobody-at-all@test.edu", PASSWORD, "192.0.2.4"),  # no account
        ]
        assert {r.status_code for r in answers} == {200}
        assert {flash_of(r) for r in answers} == {LOGIN_FAILED}
        emails = (locked.email, other.email, "nobody-at-all@test.edu")
        pages = {body_without(r, *emails) for r in answers}
        assert len(pages) == 1, "the pages differ by more than the email typed in"

    def test_the_lock_ends_after_its_time(self, client):
        user = make_user("resident")
        for _ in range(MAX_FAILED_LOGINS):
            attempt(client, user.email, "wrong-password", "192.0.2.5")
        db.session.get(User, user.id).locked_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert attempt(client, user.email, PASSWORD, "192.0.2.5").status_code == 302
        assert db.session.get(User, user.id).failed_logins == 0

    def test_a_success_resets_the_failure_count(self, client, auth):
        user = make_user("resident")
        for _ in range(MAX_FAILED_LOGINS - 1):
            attempt(client, user.email, "wrong-password", "192.0.2.6")
        assert attempt(client, user.email, PASSWORD, "192.0.2.6").status_code == 302
        auth.logout()
        attempt(client, user.email, "wrong-password", "192.0.2.6")
        assert attempt(client, user.email, PASSWORD, "192.0.2.6").status_code == 302

    def test_a_disabled_account_gets_the_same_answer_as_a_wrong_password(self, client):
        user = make_user("resident")
        db.session.get(User, user.id).is_active_account = False
        db.session.commit()
        response = attempt(client, user.email, PASSWORD, "192.0.2.7")
        assert response.status_code == 200
        assert flash_of(response) == LOGIN_FAILED

    def test_every_failure_costs_one_password_hash(self, app, monkeypatch):
        # Response time must not tell a locked account (one that exists) from an unknown
        # one: each answer, whatever the cause, spends the same single hash check.
        checks = []
        real = users_module.check_password_hash
        monkeypatch.setattr(
            users_module,
            "check_password_hash",
            lambda stored, given: checks.append(1) or real(stored, given),
        )
        locked, other = make_user("resident"), make_user("resident")
        for _ in range(MAX_FAILED_LOGINS):
            accounts.authenticate(locked.email, "wrong-password")
        for email, password in (
            ("nobody-at-all@test.edu", PASSWORD),  # no such account
            (other.email, "wrong-password"),  # wrong password
            (locked.email, PASSWORD),  # locked, right password
            (locked.email, "wrong-password"),  # locked, wrong password
        ):
            checks.clear()
            assert accounts.authenticate(email, password).user is None
            assert len(checks) == 1, f"{email}: {len(checks)} hash checks"
