"""Error pages that look like the rest of the site, or JSON for API clients."""

from __future__ import annotations

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import BadRequest, HTTPException

from edu.extensions import db

MESSAGES = {
    400: ("Bad request", "The request could not be understood. Go back and try again."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Not found", "There is no page at this address."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "The upload is larger than the limit. Split it into smaller files."),
    429: ("Too many requests", "Too many attempts in a short time. Wait a minute and retry."),
    500: ("Something went wrong", "The error has been logged. Try again in a moment."),
    503: (
        "Temporarily unavailable",
        "The service cannot reach its database right now. Nothing you submitted was lost; "
        "try again in a minute.",
    ),
}


def _wants_json() -> bool:
    accept = request.accept_mimetypes
    return accept["application/json"] > accept["text/html"]


def error_response(status: int, detail: str | None = None):
    title, message = MESSAGES.get(status, MESSAGES[500])
    message = detail or message
    if _wants_json():
        return jsonify(error=title, message=message, status=status), status
    return render_template("errors/error.html", status=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return error_response(
            400, "The form expired or was sent from elsewhere. Reload the page and try again."
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code in MESSAGES:
            # A view may abort(400, "what to fix"); werkzeug's stock text is not helpful.
            custom = error.code == 400 and error.description != BadRequest.description
            return error_response(error.code, error.description if custom else None)
        return error

    @app.errorhandler(OperationalError)
    @app.errorhandler(DBAPIError)
    def database_unavailable(error: Exception):
        # The connection is broken: roll back so the pool discards it and the next
        # request, once the database is back, gets a fresh one.
        app.logger.warning("database unavailable: %s", error.__class__.__name__)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the session may be unusable; it is removed below
            pass
        db.session.remove()
        # The page itself must not need the database: base.html asks ``current_user``,
        # which would load the user from the database that just failed (and turn this
        # clean 503 into a crash). Show the page as to a visitor; the session is kept,
        # so the resident is still logged in once the database is back.
        g._login_user = current_app.login_manager.anonymous_user()
        return error_response(503)

    @app.errorhandler(500)
    def server_error(error: Exception):
        return error_response(500)
