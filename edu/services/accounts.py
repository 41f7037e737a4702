"""Accounts: registration, password rules, and log-in with lockout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import cache

from sqlalchemy import bindparam, func, select
from werkzeug.security import generate_password_hash

from edu.extensions import db
from edu.models import Role, User
from edu.models import users as users_model
from edu.models._time import utcnow
from edu.models.users import SignedInUser
from edu.services.prepared import PreparedSelect

MIN_PASSWORD_LENGTH = 10
MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
# The handful of passwords every breach list opens with; longer lists belong to a
# dedicated checker, but these must never pass.
COMMON_PASSWORDS = frozenset(
    {
        "password123",
        "1234567890",
        "qwertyuiop",
        "password1!",
        "letmein123",
        "iloveyou12",
        "abcdefghij",
        "0123456789",
        "residency1",
        "medicine123",
        "password12",
    }
)
# One message for every failure so a log-in form never reveals whether an account exists.
LOGIN_FAILED = (
    "Email or password is incorrect, or the account is temporarily locked. "
    "After 5 failed attempts, log-in is paused for 15 minutes."
)


class AccountError(ValueError):
    """A registration problem with a message fit to show the user, and the field it concerns."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@cache
def signed_in_columns():
    """The select of a :class:`SignedInUser`'s columns by ``user_id``. Built once; SQLAlchemy
    then runs it from its compiled cache."""
    users = User.__table__
    return select(
        users.c.id, users.c.email, users.c.name, users.c.role, users.c.is_active_account
    ).where(users.c.id == bindparam("user_id"))


def signed_in_user(user_id: str) -> SignedInUser | None:
    """The account behind a session's user id, read fresh from the database (None if gone).

    Flask-Login calls this once per request; see :class:`SignedInUser` for why it is a
    plain copy of the row rather than an ORM object.
    """
    if not user_id.isdigit():
        return None
    row = _SIGNED_IN_USER.first(user_id=int(user_id))
    return SignedInUser(*row) if row is not None else None


# Read on every signed-in request: on the driver's cursor (see edu.services.prepared).
_SIGNED_IN_USER = PreparedSelect(signed_in_columns)


def normalise_email(email: str) -> str:
    return email.strip().lower()


def password_problems(password: str, email: str = "", name: str = "") -> list[str]:
    """Return what is wrong with ``password`` (empty when it is acceptable)."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > 200:
        problems.append("Use at most 200 characters.")
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        problems.append("This password is too easy to guess; choose a less common one.")
    local = normalise_email(email).split("@")[0]
    if local and len(local) >= 4 and local in password.lower():
        problems.append("Do not build the password from your email address.")
    return problems


def create_user(email: str, name: str, password: str, role: Role = Role.RESIDENT) -> User:
    """Create and return a user; raises AccountError for a taken email or a weak password."""
    email = normalise_email(email)
    problems = password_problems(password, email, name)
    if problems:
        raise AccountError(" ".join(problems), field="password")
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise AccountError(
            "An account with this email already exists. Log in instead.", field="email"
        )
    user = User(email=email, name=name.strip(), role=role.value)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


@dataclass(frozen=True)
class LoginResult:
    user: User | None
    message: str = ""


def authenticate(email: str, password: str) -> LoginResult:
    """Return the user when the credentials are right and the account is not locked.

    Failed attempts are counted on the account; five in a row lock it for 15 minutes.
    """
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    now = utcnow()
    if user is None:
        # Spend the same hashing time as a real check so timing does not reveal absence.
        User(password_hash=_dummy_hash(users_model.current_password_method())).check_password(
            password
        )
        return LoginResult(None, LOGIN_FAILED)
    if user.locked_until and user.locked_until > now:
        # Hash anyway: an answer without the hash's cost would reveal a locked account.
        user.check_password(password)
        return LoginResult(None, LOGIN_FAILED)
    if not user.check_password(password) or not user.is_active:
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILED_LOGINS:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        db.session.commit()
        return LoginResult(None, LOGIN_FAILED)
    user.failed_logins = 0
    user.locked_until = None
    db.session.commit()
    return LoginResult(user)


@cache
def _dummy_hash(method: str) -> str:
    return generate_password_hash("not-a-real-password", method=method)
