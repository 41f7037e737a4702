"""WSGI entry point for the request-path benchmark: ``gunicorn bench.wsgi_bench:app``.

The real application, configured from the environment exactly as ``wsgi.py`` is, plus two
routes on a blueprint registered only here (never in edu itself):

- ``GET /bench/hello`` runs through the same server, the same app and the same
  before/after-request hooks (security headers, session, rate limiter) as the real pages,
  so its throughput is the ceiling the real routes are compared with (issue 10's targets);
- ``GET /bench/user`` also requires a log-in and reads as every play page does (read-only,
  ``edu.web.access.read_only``): a database session and Flask-Login's user load, nothing
  else. It is context, not a target: the share of a
  play page's cost that is the page's own.
"""

from flask import Blueprint, Flask
from flask_login import current_user, login_required

from edu import create_app
from edu.web.access import read_only

hello = Blueprint("bench_hello", __name__)


@hello.route("/bench/hello")
def hello_route() -> str:
    """The cheapest page this server can answer: the framework's own cost."""
    return "hello"


@hello.route("/bench/user")
@read_only
@login_required
def user_route() -> str:
    """The cheapest logged-in page: the user loaded from the database, as on every play page."""
    return f"user {current_user.id}"


def make_app() -> Flask:
    """The real app, from the environment, with the hello route added."""
    application = create_app()
    application.register_blueprint(hello)
    return application


app = make_app()
