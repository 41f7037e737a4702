"""Logged-in sessions made before a load run: a session cookie and a CSRF token per learner.

The cookie is what ``/auth/login`` would have set (Flask-Login's ``login_user`` in a request
from the load generator's address and User-Agent, signed with the server's secret key), and
the CSRF token is Flask-WTF's own, bound to that session. Logging in over HTTP instead would
cost a password hash per learner and trip the log-in rate limit, and measure nothing the
benchmark is about. CSRF protection stays on in the benchmarked server.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import Flask, session
from flask_login import login_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select

from edu.extensions import db
from edu.models import User

USER_AGENT = "edu-bench"


@dataclass(frozen=True)
class Credentials:
    cookie: str  # the value of the ``session`` cookie
    csrf_token: str


def login_sessions(app: Flask, user_ids: Iterable[int]) -> dict[int, Credentials]:
    """Return a logged-in session cookie and a CSRF token for each of ``user_ids``."""
    serializer = app.session_interface.get_signing_serializer(app)
    wanted = sorted(set(user_ids))
    with app.app_context():
        users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}
        db.session.expunge_all()
        db.session.remove()
    found: dict[int, Credentials] = {}
    for user_id in wanted:
        # A request context of its own each time (and so its own app context and ``g``):
        # Flask-WTF caches the token on ``g``, and a shared ``g`` would hand every learner
        # the first learner's token.
        with app.test_request_context(
            "/", headers={"User-Agent": USER_AGENT}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
        ):
            login_user(users[user_id])
            token = generate_csrf()
            found[user_id] = Credentials(serializer.dumps(dict(session)), token)
    return found
