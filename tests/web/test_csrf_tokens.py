"""Templates' CSRF tokens are signed once per session token (``edu.web.security.csrf_token``)
and still validate as Flask-WTF's own: the same session, the same token; another session,
another token that this one refuses."""

from __future__ import annotations

import re

from flask import g, session
from flask_wtf.csrf import generate_csrf, validate_csrf

from edu.web import security
from tests.conftest import make_test_app
from tests.factories import PASSWORD, create_user

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def page_token(client) -> str:
    g.pop("csrf_token", None)  # tests share one app context (and ``g``) across requests
    return TOKEN.search(client.get("/auth/login").get_data(as_text=True))[1]


def log_in(client, email: str, token: str):
    return client.post("/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token})


def test_a_session_gets_the_same_token_on_every_page_and_it_validates(csrf_app):
    assert csrf_app.jinja_env.globals["csrf_token"] is security.csrf_token
    client = csrf_app.test_client()
    first = page_token(client)
    assert page_token(client) == first  # signed once, not per page
    email = create_user("resident").email
    assert log_in(client, email, first).status_code == 302


def test_another_session_gets_its_own_token_and_refuses_the_first(csrf_app):
    one, two = csrf_app.test_client(), csrf_app.test_client()
    token_one, token_two = page_token(one), page_token(two)
    assert token_one != token_two
    email = create_user("resident").email
    assert log_in(two, email, token_one).status_code == 400
    assert log_in(two, email, token_two).status_code == 302


def test_a_cached_token_is_what_flask_wtf_would_validate(csrf_app):
    with csrf_app.test_request_context("/"):
        token = security.csrf_token()  # a new session: Flask-WTF makes and signs its token
        raw = session["csrf_token"]
    with csrf_app.test_request_context("/"):
        session["csrf_token"] = raw
        assert security.csrf_token() == token  # from the cache, for the same raw token
        assert generate_csrf() == token  # and what Flask-WTF hands out for the request
        validate_csrf(token)  # raises if it would be refused


def test_with_a_time_limit_every_page_signs_afresh(_schema):
    app = make_test_app(_schema, WTF_CSRF_ENABLED=True, WTF_CSRF_TIME_LIMIT=3600)
    assert app.jinja_env.globals["csrf_token"] is generate_csrf
