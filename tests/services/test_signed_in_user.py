"""The logged-in user is read fresh from its row on every request, as a plain copy."""

from __future__ import annotations

from edu.extensions import db
from edu.models import User
from edu.models.users import SignedInUser
from edu.services.accounts import signed_in_user
from tests.security.world import make_user


def test_the_copy_carries_what_pages_and_role_checks_read(app):
    instructor = make_user("instructor", name="Dr Ada Lee")
    loaded = signed_in_user(str(instructor.id))
    assert isinstance(loaded, SignedInUser)
    assert (loaded.id, loaded.email, loaded.name, loaded.role) == (
        instructor.id,
        instructor.email,
        "Dr Ada Lee",
        "instructor",
    )
    assert loaded.is_authenticated and loaded.is_active and loaded.is_instructor
    assert not loaded.is_admin
    assert loaded.get_id() == str(instructor.id)
    assert loaded == instructor  # Flask-Login compares users by id


def test_each_load_reads_the_row_as_it_is_now(app):
    user = make_user("admin")
    assert signed_in_user(str(user.id)).is_admin
    row = db.session.get(User, user.id)
    row.role = "resident"
    row.is_active_account = False
    db.session.commit()
    again = signed_in_user(str(user.id))
    assert again.role == "resident" and not again.is_admin
    assert not again.is_active and not again.is_authenticated


def test_a_missing_or_malformed_id_is_nobody(app):
    assert signed_in_user("999999") is None
    assert signed_in_user("1; DROP TABLE users") is None
    assert signed_in_user("") is None
