"""Administration: accounts and roles."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from edu.models import Role
from edu.services import admin
from edu.web.access import admin_required
from edu.web.admin.forms import RoleForm

bp = Blueprint("admin", __name__)


@bp.route("/users")
@admin_required
def users():
    """List accounts, searchable by name or email, with a role form per row."""
    query = (request.args.get("q") or "").strip()
    page = max(1, request.args.get("page", 1, type=int))
    rows, total = admin.list_users(query or None, page)
    forms = {
        u.id: RoleForm(role=u.role, active=u.is_active_account, prefix=f"u{u.id}") for u in rows
    }
    return render_template(
        "admin/users.html", users=rows, forms=forms, total=total, page=page, query=query
    )


@bp.route("/users/<int:user_id>", methods=["POST"])
@admin_required
def update_user(user_id: int):
    """Change a user's role and whether they can log in."""
    form = RoleForm(prefix=f"u{user_id}")
    if not form.validate_on_submit():
        abort(400)
    try:
        user = admin.update_account(current_user, user_id, Role(form.role.data), form.active.data)
    except admin.AdminError as error:
        flash(str(error), "error")
    else:
        flash(
            f"Saved: {user.name} is now {user.role}{'' if user.is_active_account else ' (disabled)'}.",
            "success",
        )
    return redirect(url_for("admin.users", q=request.args.get("q") or None))
