"""Log-in, lockout, registration and safe redirects through the test client."""

import pytest

from edu.services.accounts import LOGIN_FAILED, MAX_FAILED_LOGINS
from tests.factories import PASSWORD, create_user


def test_login_page_renders(client):
    response = client.get("/auth/login")
    assert response.status_code == 200
    assert b'name="email"' in response.data


def test_correct_password_logs_in_and_wrong_one_does_not(client, auth):
    user = create_user()
    assert auth.login(user, "wrong-password-1").status_code == 200
    assert client.get("/auth/login").status_code == 200  # still anonymous
    assert auth.login(user).status_code == 302


def test_failure_message_is_the_same_for_unknown_and_known_accounts(client, auth):
    user = create_user()
    known = auth.login(user, "wrong-password-1").get_data(as_text=True)
    unknown = client.post(
        "/auth/login", data={"email": "ghost@test.edu", "password": "whatever-it-is"}
    ).get_data(as_text=True)
    assert LOGIN_FAILED in known
    assert LOGIN_FAILED in unknown


def test_account_locks_after_repeated_failures_even_with_the_right_password(auth):
    user = create_user()
    for _ in range(MAX_FAILED_LOGINS):
        auth.login(user, "wrong-password-1")
    response = auth.login(user)  # right password, but locked
    assert response.status_code == 200
    assert LOGIN_FAILED in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("next_param", "expected"),
    [
        ("/auth/register", "/auth/register"),
        ("https://evil.example/", "/"),
        ("//evil.example/path", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_parameter_only_redirects_within_the_site(client, next_param, expected):
    user = create_user()
    response = client.post(
        "/auth/login",
        query_string={"next": next_param},
        data={"email": user.email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_register_creates_a_resident_and_logs_them_in(client):
    response = client.post(
        "/auth/register",
        data={
            "name": "New Resident",
            "email": "New@Test.edu",
            "password": "a-long-passphrase",
            "confirm": "a-long-passphrase",
        },
    )
    assert response.status_code == 302
    from edu.extensions import db
    from edu.models import User

    user = db.session.query(User).filter_by(email="new@test.edu").one()
    assert user.role == "resident"
    assert user.password_hash != "a-long-passphrase"


@pytest.mark.parametrize(
    ("password", "problem"),
    [("short", "at least 10"), ("password123", "too easy"), ("aaaaaaaaaaaa", "too easy")],
)
def test_register_rejects_weak_passwords(client, password, problem):
    response = client.post(
        "/auth/register",
        data={"name": "N", "email": "n@test.edu", "password": password, "confirm": password},
    )
    assert response.status_code == 200
    assert problem in response.get_data(as_text=True)


def test_register_refuses_a_taken_email(client):
    create_user(email="taken@test.edu")
    response = client.post(
        "/auth/register",
        data={
            "name": "N",
            "email": "taken@test.edu",
            "password": "a-long-passphrase",
            "confirm": "a-long-passphrase",
        },
    )
    assert "already exists" in response.get_data(as_text=True)


def test_logout_requires_post(client, login_as):
    login_as("resident")
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 302
