"""Accounts and roles."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from edu.extensions import db
from edu.models._time import utcnow

# scrypt in production. Tests switch to a cheap method (see TEST_CONFIG) because hashing
# dominates the time of every test that logs someone in.
_password_method = "scrypt"


def configure_password_hashing(method: str) -> None:
    """Set the werkzeug hashing method used for new passwords."""
    global _password_method
    _password_method = method


def current_password_method() -> str:
    return _password_method


class Role(StrEnum):
    RESIDENT = "resident"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.RESIDENT.value)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Lockout state lives on the row so it holds across workers and restarts.
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    # Optional gradebook identifiers, used by the Canvas and Moodle exports.
    sis_user_id: Mapped[str | None] = mapped_column(String(64), default=None)
    canvas_user_id: Mapped[str | None] = mapped_column(String(32), default=None)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=_password_method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses log-in for inactive accounts
        return self.is_active_account

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_instructor(self) -> bool:
        """True for instructors and admins: both may author and run courses."""
        return self.role in (Role.INSTRUCTOR, Role.ADMIN)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class SignedInUser(UserMixin):
    """The logged-in account as one request sees it: a read-only copy of its row.

    Flask-Login loads the user on every request. Building a full ORM ``User`` for that
    (identity map, instance state, the session's bookkeeping) cost more than the rest of a
    play page's database work, so each request reads just these columns with one Core
    select instead (``edu.services.accounts.signed_in_user``). The row is still read on
    every request, so a deactivation or a role change applies to the very next one.
    Services that write to the account load the ORM ``User`` by ``id``.
    """

    def __init__(self, id: int, email: str, name: str, role: str, is_active_account: bool):
        self.id = id
        self.email = email
        self.name = name
        self.role = role
        self.is_active_account = bool(is_active_account)

    is_active = User.is_active
    is_admin = User.is_admin
    is_instructor = User.is_instructor

    def __repr__(self) -> str:
        return f"<SignedInUser {self.email} {self.role}>"
