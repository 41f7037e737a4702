"""Who the request is for: the signed-in user's loading, and the role and read-only checks
shared by the blueprints."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, request
from flask_login import current_user, login_required

from edu.extensions import read_only_session
from edu.models import Role
from edu.models.users import SignedInUser
from edu.services import accounts, play

# The pages about one attempt of the signed-in user, named by their URL's ``attempt_id``:
# the user loader reads that attempt in the same query as the user.
ATTEMPT_PAGES = frozenset({"play.attempt", "play.feedback", "play.debrief", "play.decide"})
NOT_READ = object()
_READ_WITH_USER = "edu.attempt_read_with_user"


def load_signed_in_user(user_id: str) -> SignedInUser | None:
    """Flask-Login's user loader: the account behind the session, read on every request
    (``accounts.signed_in_user``), so a deactivation or a role change applies at once.

    On the pages about one attempt (``ATTEMPT_PAGES``) that attempt is read in the same
    query (``play.read_attempt_with_user``): one round trip instead of two on the hottest
    pages. The page takes it with :func:`attempt_read_with_user`.
    """
    attempt_id = (request.view_args or {}).get("attempt_id")
    if request.endpoint not in ATTEMPT_PAGES or attempt_id is None or not user_id.isdigit():
        return accounts.signed_in_user(user_id)
    user, attempt = play.read_attempt_with_user(attempt_id, int(user_id))
    # Kept on this request (its WSGI environ), not on ``g``: an app context, and with it
    # ``g``, can outlive a request (tests run several in one).
    request.environ[_READ_WITH_USER] = (attempt_id, attempt)
    return user


def attempt_read_with_user(attempt_id: int) -> play.AttemptSnapshot | None | object:
    """The signed-in user's attempt ``attempt_id`` as the user loader read it in this
    request: a snapshot, None when it is not theirs, or ``NOT_READ``."""
    read = request.environ.get(_READ_WITH_USER)
    if read is None or read[0] != attempt_id:
        return NOT_READ
    return read[1]


def roles_required(*roles: Role) -> Callable:
    """Decorate a view so only logged-in users with one of ``roles`` reach it (else 403)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


instructor_required = roles_required(Role.INSTRUCTOR, Role.ADMIN)
admin_required = roles_required(Role.ADMIN)


def read_only(view: Callable) -> Callable:
    """Decorate a view that only reads: its queries run without a transaction where that
    saves round trips (``edu.extensions.read_only_session``), and a write in it raises.
    Put it above ``login_required``, so the user is loaded the same way."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with read_only_session():
            return view(*args, **kwargs)

    return wrapped
