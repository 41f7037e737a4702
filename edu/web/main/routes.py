"""Start page, health check and the site navigation."""

from typing import NamedTuple

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
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
    return {"nav_items": nav_items, "site": site_links()}


# The layout's links depend only on where the app is mounted and, for the navigation, on
# the user's role, yet every page built them again with ``url_for``: they are built once
# per app, mount point and role, and kept on the app.
class SiteLinks(NamedTuple):
    css: str
    js: str
    home: str
    login: str
    register: str
    logout: str


def site_links() -> SiteLinks:
    """The addresses every page's layout links to."""
    cache = current_app.extensions.setdefault("edu_site_links", {})
    links = cache.get(request.script_root)
    if links is None:
        links = cache[request.script_root] = SiteLinks(
            css=url_for("static", filename="css/app.css"),
            js=url_for("static", filename="js/app.js"),
            home=url_for("main.home"),
            login=url_for("auth.login"),
            register=url_for("auth.register"),
            logout=url_for("auth.logout"),
        )
    return links


def nav_items() -> tuple[tuple[str, str, str], ...]:
    """``(endpoint, label, address)`` of each navigation link the current user may see."""
    cache = current_app.extensions.setdefault("edu_nav_items", {})
    key = (request.script_root, getattr(current_user, "role", None))
    items = cache.get(key)
    if items is None:
        items = cache[key] = tuple(
            (endpoint, label, url_for(endpoint))
            for endpoint, label, audience in NAV
            if endpoint in current_app.view_functions
            and (audience != "instructor" or current_user.is_instructor)
            and (audience != "admin" or current_user.is_admin)
        )
    return items


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
