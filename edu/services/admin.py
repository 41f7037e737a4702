"""Administration: accounts and roles."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from edu.extensions import db
from edu.models import Role, User


class AdminError(ValueError):
    """An administrative change that is refused, with the reason."""


def list_users(
    query: str | None = None, page: int = 1, per_page: int = 50
) -> tuple[list[User], int]:
    """Return one page of users (matching ``query`` in name or email) and the total count."""
    statement = select(User)
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(
            or_(func.lower(User.name).like(pattern), User.email.like(pattern))
        )
    total = db.session.scalar(select(func.count()).select_from(statement.subquery()))
    users = db.session.scalars(
        statement.order_by(User.name, User.id).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return list(users), total or 0


def set_role(admin: User, user_id: int, role: Role) -> User:
    """Give ``user_id`` a new role. An admin cannot demote themself (no lock-out by accident)."""
    user = db.session.get(User, user_id)
    if user is None:
        raise AdminError("There is no such user.")
    if user.id == admin.id and role != Role.ADMIN:
        raise AdminError("You cannot remove your own admin role; ask another admin.")
    user.role = role.value
    db.session.commit()
    return user


def set_active(admin: User, user_id: int, active: bool) -> User:
    """Enable or disable log-in for an account (history is kept either way)."""
    user = db.session.get(User, user_id)
    if user is None:
        raise AdminError("There is no such user.")
    if user.id == admin.id and not active:
        raise AdminError("You cannot disable your own account.")
    user.is_active_account = active
    db.session.commit()
    return user
