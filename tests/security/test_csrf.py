"""Every state-changing request needs the CSRF token of the visitor's session.

The routes come from the app's URL map: every POST, PUT, PATCH and DELETE rule is sent
without a token (as a form and as JSON), with a token from another session, and, as the
control that proves the token is what made the difference, with the right token, when it
must get what the access matrix says that visitor gets.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from edu import create_app
from edu.config import TEST_CONFIG
from tests.factories import PASSWORD
from tests.security.test_access_matrix import LOGIN, MATRIX, call
from tests.security.world import ROLES

WORLD_APP_CONFIG = {"WTF_CSRF_ENABLED": True}
STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
REFUSED_MESSAGE = "The form expired or was sent from elsewhere"
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _state_changing_rules() -> list[tuple[str, str]]:
    app = create_app({**TEST_CONFIG, "SECRET_KEY": "url-map-only"})
    return sorted(
        {
            (rule.endpoint, method)
            for rule in app.url_map.iter_rules()
            for method in rule.methods & STATE_CHANGING
        }
    )


RULES = _state_changing_rules()


def token_of(client, logged_in: bool = False) -> str:
    """The CSRF token a page's form carries for ``client``'s session."""
    # Logged-in pages all carry the log-out form; the log-in page only shows when logged out.
    path = "/courses/" if logged_in else "/auth/login"
    match = _TOKEN.search(client.get(path).get_data(as_text=True))
    assert match, f"no csrf_token field on {path}"
    return match[1]


def visitor_for(endpoint: str, method: str) -> tuple[str, object]:
    """A visitor the matrix lets through, so only the missing token can refuse them."""
    for access in MATRIX.get(endpoint, ()):
        if access.method == method:
            for role, expected in zip(ROLES, access.expected, strict=True):
                if expected not in (LOGIN, 403, 404):
                    return role, access
            return "admin", access
    pytest.fail(f"{method} {endpoint} is not in the access matrix: add it there first")


def log_in_with_token(client, world, role: str) -> None:
    if role == "anonymous":
        return
    response = client.post(
        "/auth/login",
        data={
            "email": world[f"{role}_email"],
            "password": PASSWORD,
            "csrf_token": token_of(client),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def assert_refused(response) -> None:
    assert response.status_code == 400, response.status_code
    assert REFUSED_MESSAGE in response.get_data(as_text=True)


def test_the_url_map_has_state_changing_routes():
    # A guard for the enumeration itself: an empty list would make every test below vacuous.
    assert ("play.decide", "POST") in RULES and ("auth.login", "POST") in RULES


@pytest.mark.parametrize(("endpoint", "method"), RULES, ids=[f"{e}-{m}" for e, m in RULES])
def test_refused_without_a_token_and_accepted_with_it(
    world_app, world, world_client, endpoint, method
):
    snapshot = world_app[2]
    role, access = visitor_for(endpoint, method)
    client = world_client
    log_in_with_token(client, world, role)
    before = snapshot.current()

    assert_refused(call(client, endpoint, access, world))
    # A JSON body with no X-CSRFToken header is refused the same way.
    assert_refused(_send_json(client, endpoint, access, world))
    # A token minted for another session does not match this one.
    stranger = world_app[0].test_client()
    foreign = _with_token(access, token_of(stranger))
    assert_refused(call(client, endpoint, foreign, world))
    assert snapshot.current() == before, f"{method} {endpoint} changed data without a token"

    expected = access.expected[ROLES.index(role)]
    token = token_of(client, logged_in=role != "anonymous")
    response = call(client, endpoint, _with_token(access, token), world)
    if expected == LOGIN:
        assert response.status_code == 302
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:300]


def _with_token(access, token: str):
    if access.json is not None:
        return replace(access, headers={"X-CSRFToken": token})
    return replace(access, data={**(access.data or {}), "csrf_token": token})


def _send_json(client, endpoint: str, access, world):
    body = access.json if access.json is not None else dict(access.data or {})
    return call(client, endpoint, replace(access, json=body, data=None), world)
