"""Admins manage accounts; nobody else can."""

import pytest

from edu.extensions import db
from edu.models import User
from tests.factories import create_user


def test_admin_lists_and_searches_accounts(client, login_as):
    login_as("admin")
    create_user("resident", name="Zelda Searchable")
    assert "Zelda Searchable" in client.get("/admin/users?q=zelda").get_data(as_text=True)
    assert "Zelda Searchable" not in client.get("/admin/users?q=nobody").get_data(as_text=True)


def test_admin_promotes_a_resident_to_instructor(client, login_as):
    login_as("admin")
    user = create_user("resident")
    response = client.post(
        f"/admin/users/{user.id}",
        data={f"u{user.id}-role": "instructor", f"u{user.id}-active": "y"},
    )
    assert response.status_code == 302
    assert db.session.get(User, user.id).role == "instructor"


def test_admin_cannot_demote_themself(client, login_as):
    me = login_as("admin")
    client.post(
        f"/admin/users/{me.id}", data={f"u{me.id}-role": "resident", f"u{me.id}-active": "y"}
    )
    assert db.session.get(User, me.id).role == "admin"


def test_a_disabled_account_cannot_log_in(client, login_as, auth):
    login_as("admin")
    user = create_user("resident")
    client.post(f"/admin/users/{user.id}", data={f"u{user.id}-role": "resident"})
    auth.logout()
    assert auth.login(user).status_code == 200


@pytest.mark.parametrize("role", ["resident", "instructor"])
def test_only_admins_reach_the_admin_pages(client, login_as, role):
    user = login_as(role)
    assert client.get("/admin/users").status_code == 403
    assert (
        client.post(f"/admin/users/{user.id}", data={f"u{user.id}-role": "admin"}).status_code
        == 403
    )


def test_a_refused_change_changes_nothing(client, login_as):
    me = login_as("admin")
    client.post(f"/admin/users/{me.id}", data={f"u{me.id}-role": "admin"})  # tries to disable self
    assert db.session.get(User, me.id).is_active_account is True
