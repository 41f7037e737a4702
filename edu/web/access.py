"""Role checks shared by the blueprints."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user, login_required

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
