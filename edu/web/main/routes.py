"""Start page, health check and the site navigation."""

from flask import Blueprint, current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from edu.extensions import db
from edu.models import User

bp = Blueprint("main", __name__)

# (endpoint, label, who sees it). Links appear only once their blueprint is registered,
# so an area can land without touching the navigation.
NAV = (
    ("play.catalog", "Cases", "everyone"),
    ("play.progress", "My progress", "everyone"),
    ("courses.index", "Courses", "everyone"),
    ("author.index", "Author", "instructor"),
    ("admin.users", "Admin", "admin"),
)


@bp.app_context_processor
def navigation():
    def nav_items():
        items = []
        for endpoint, label, audience in NAV:
            if endpoint not in current_app.view_functions:
                continue
            if audience == "instructor" and not current_user.is_instructor:
                continue
            if audience == "admin" and not current_user.is_admin:
                continue
            items.append((endpoint, label))
        return items

    return {"nav_items": nav_items}


@bp.route("/")
def home():
    """The landing page; logged-in users go straight to the case catalogue."""
    if current_user.is_authenticated and "play.catalog" in current_app.view_functions:
        return redirect(url_for("play.catalog"))
    return render_template("main/home.html")


@bp.route("/healthz")
def health():
    """Liveness and database reachability for load balancers (503 when the DB is away)."""
    # Read a real table: on SQLite "SELECT 1" succeeds even when the file is unreadable.
    db.session.execute(select(User.id).limit(1))
    return jsonify(status="ok")
