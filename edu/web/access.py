"""Role checks shared by the blueprints."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

from edu.extensions import read_only_session
from edu.models import Role


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
