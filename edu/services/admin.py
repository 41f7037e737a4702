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


def update_account(admin: User, user_id: int, role: Role, active: bool) -> User:
    """Set a user's role and whether they can log in, together or not at all.

    An admin cannot demote or disable themself, so nobody locks the last admin out by
    accident.
    """
    user = db.session.get(User, user_id)
    if user is None:
        raise AdminError("There is no such user.")
    if user.id == admin.id and role != Role.ADMIN:
        raise AdminError("You cannot remove your own admin role; ask another admin.")
    if user.id == admin.id and not active:
        raise AdminError("You cannot disable your own account.")
    user.role = role.value
    user.is_active_account = active
    db.session.commit()
    return user
