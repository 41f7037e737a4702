"""Every route x every kind of visitor, with the status each must get.

The table below is keyed by endpoint name and lists, per HTTP method, what each of six
visitors gets (columns: anonymous, the resident and instructor of course A, the
resident and instructor of course B, an admin; see :mod:`tests.security.world`). URLs
are built with ``url_for`` from the world's ids, so they always point at course A,
resident A's attempts and instructor A's authored case.

``test_every_route_is_in_the_matrix`` reads the app's URL map: a new route fails the
suite until someone decides, here, who may reach it.

Conventions of each area, read from its routes:

- anonymous visitors are sent to the log-in page (``LOGIN``), except on public pages;
- an attempt belongs to its resident alone: anyone else gets 404 (``play``);
- a course is 404 to non-members (ids cannot be probed), 403 to a resident of it on an
  instructor page (``courses``);
- author pages are 403 to residents, and 403 to instructors who are neither the case's
  owner nor a co-author (``author``); admin pages are 403 to everyone but admins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from flask import url_for

from tests.security.world import AUTHORED_TEXT, ROLES, log_in

LOGIN = "login"  # 302 to the log-in page
OK, MOVED, DENIED, GONE = 200, 302, 403, 404


@dataclass(frozen=True)
class Access:
    """One method of one endpoint: how to call it and what each visitor gets."""

    method: str
    expected: tuple  # one status per entry of ROLES
    values: dict = field(default_factory=dict)  # url_for argument -> world id name (or literal)
    data: dict | None = None  # form fields; "{name}" in keys and values: a world id
    json: dict | None = None
    query: str = ""
    headers: dict = field(default_factory=dict)

    def __post_init__(self):
        assert len(self.expected) == len(ROLES), self


def get(*expected, **kwargs) -> Access:
    return Access("GET", expected, **kwargs)


def post(*expected, **kwargs) -> Access:
    return Access("POST", expected, **kwargs)


ATTEMPT = {"attempt_id": "open_attempt"}
DONE = {"attempt_id": "done_attempt"}
COURSE = {"course_id": "course_a"}
AUTHORED = {"slug": "authored_slug"}

# fmt: off
MATRIX: dict[str, list[Access]] = {
    # endpoint                 anon    res     o-res   instr   o-ins   admin
    "main.home": [get(         OK,     MOVED,  MOVED,  MOVED,  MOVED,  MOVED)],
    "main.health": [get(       OK,     OK,     OK,     OK,     OK,     OK)],
    "auth.login": [
        get(                   OK,     MOVED,  MOVED,  MOVED,  MOVED,  MOVED),
        post(                  OK,     MOVED,  MOVED,  MOVED,  MOVED,  MOVED,
             data={"email": "nobody@test.edu", "password": "wrong-password"}),
    ],
    # Log-out ends on the log-in page for everyone.
    "auth.logout": [post(      LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN)],
    "auth.register": [
        get(                   OK,     MOVED,  MOVED,  MOVED,  MOVED,  MOVED),
        post(                  OK,     MOVED,  MOVED,  MOVED,  MOVED,  MOVED, data={}),
    ],
    # --- play: attempts are private to their resident ---------------------------------------
    "play.catalog": [get(      LOGIN,  OK,     OK,     OK,     OK,     OK)],
    "play.progress": [get(     LOGIN,  OK,     OK,     OK,     OK,     OK)],
    # Starting in course A needs an enrolment in course A (admins are not enrolled).
    "play.start": [post(       LOGIN,  MOVED,  DENIED, MOVED,  DENIED, DENIED,
                        values={"slug": "case_slug"}, data={"course_id": "{course_a}"})],
    # A draft is the author's until published: only those who may edit it preview it.
    "play.preview": [
        post(                  LOGIN,  DENIED, DENIED, MOVED,  DENIED, MOVED,
             values={"version_id": "draft_version"}),
        post(                  LOGIN,  DENIED, DENIED, MOVED,  MOVED,  MOVED,
             values={"version_id": "published_version"}),
    ],
    "play.attempt": [get(      LOGIN,  OK,     GONE,   GONE,   GONE,   GONE, values=ATTEMPT)],
    "play.advance": [post(     LOGIN,  MOVED,  GONE,   GONE,   GONE,   GONE,
                          values=ATTEMPT, data={"step": "1"})],
    "play.decide": [post(      LOGIN,  OK,     GONE,   GONE,   GONE,   GONE,
                         values=ATTEMPT, data={"step": "1", "option": "THP_DOCETAXEL"})],
    "play.feedback": [get(     LOGIN,  OK,     GONE,   GONE,   GONE,   GONE,
                          values={**DONE, "step": 1})],
    "play.debrief": [get(      LOGIN,  OK,     GONE,   GONE,   GONE,   GONE, values=DONE)],
    "play.restart": [post(     LOGIN,  MOVED,  GONE,   GONE,   GONE,   GONE,
                          values=ATTEMPT, data={})],
    # --- courses: 404 to non-members, 403 to residents on instructor pages --------------------
    "courses.index": [get(     LOGIN,  OK,     OK,     OK,     OK,     OK)],
    "courses.create": [
        get(                   LOGIN,  DENIED, DENIED, OK,     OK,     OK),
        post(                  LOGIN,  DENIED, DENIED, MOVED,  MOVED,  MOVED,
             data={"title": "A new course"}),
    ],
    # Knowing the join code is what lets anyone join.
    "courses.join": [post(     LOGIN,  MOVED,  MOVED,  MOVED,  MOVED,  MOVED,
                          data={"code": "{join_code_a}"})],
    "courses.join_link": [get( LOGIN,  OK,     OK,     OK,     OK,     OK,
                              values={"code": "join_code_a"})],
    "courses.detail": [get(    LOGIN,  OK,     GONE,   OK,     GONE,   OK, values=COURSE)],
    "courses.settings": [post( LOGIN,  DENIED, GONE,   MOVED,  GONE,   MOVED, values=COURSE,
                              data={"settings-late_attempts_count": "y"})],
    "courses.assign": [post(   LOGIN,  DENIED, GONE,   MOVED,  GONE,   MOVED, values=COURSE,
                            data={"assign-case_id": "{authored_id}"})],
    "courses.unassign": [post( LOGIN,  DENIED, GONE,   MOVED,  GONE,   MOVED,
                              values={**COURSE, "assignment_id": "assignment_a"}, data={})],
    "courses.add_instructor": [post(
                               LOGIN,  DENIED, GONE,   MOVED,  GONE,   MOVED, values=COURSE,
                               data={"instructor-email": "{other_instructor_email}"})],
    # Hidden from residents until the instructor shows it (the world leaves it hidden).
    "courses.leaderboard": [get(
                               LOGIN,  DENIED, GONE,   OK,     GONE,   OK, values=COURSE)],
    "courses.export": [get(    LOGIN,  DENIED, GONE,   OK,     GONE,   OK,
                           values={**COURSE, "kind": "canvas"})],
    # --- author: instructors only; a case's pages to its owner, co-authors and admins ---------
    "author.index": [get(      LOGIN,  DENIED, DENIED, OK,     OK,     OK)],
    "author.new": [
        get(                   LOGIN,  DENIED, DENIED, OK,     OK,     OK),
        post(                  LOGIN,  DENIED, DENIED, OK,     OK,     OK,
             data={"content": AUTHORED_TEXT, "action": "check"}),
    ],
    "author.lint_preview": [post(
                               LOGIN,  DENIED, DENIED, OK,     OK,     OK,
                               json={"content": AUTHORED_TEXT})],
    "author.upload": [
        get(                   LOGIN,  DENIED, DENIED, OK,     OK,     OK),
        post(                  LOGIN,  DENIED, DENIED, OK,     OK,     OK, data={}),
    ],
    "author.guideline_changes": [
        get(                   LOGIN,  DENIED, DENIED, OK,     OK,     OK),
        post(                  LOGIN,  DENIED, DENIED, OK,     OK,     OK,
             data={"version": "her2-mbc-2026.2"}),
    ],
    "author.edit": [
        get(                   LOGIN,  DENIED, DENIED, OK,     DENIED, OK, values=AUTHORED),
        post(                  LOGIN,  DENIED, DENIED, OK,     DENIED, OK, values=AUTHORED,
             data={"content": AUTHORED_TEXT, "action": "check"}),
    ],
    "author.publish": [post(   LOGIN,  DENIED, DENIED, MOVED,  DENIED, MOVED, values=AUTHORED,
                            data={"version": "2"})],
    "author.history": [get(    LOGIN,  DENIED, DENIED, OK,     DENIED, OK, values=AUTHORED)],
    "author.version": [get(    LOGIN,  DENIED, DENIED, OK,     DENIED, OK,
                           values={**AUTHORED, "number": 1})],
    "author.diff": [get(       LOGIN,  DENIED, DENIED, OK,     DENIED, OK, values=AUTHORED)],
    "author.rollback": [post(  LOGIN,  DENIED, DENIED, MOVED,  DENIED, MOVED, values=AUTHORED,
                             data={"version": "1"})],
    "author.coauthors": [post( LOGIN,  DENIED, DENIED, MOVED,  DENIED, MOVED, values=AUTHORED,
                              data={"email": "{other_instructor_email}"})],
    "author.analytics": [get(  LOGIN,  DENIED, DENIED, OK,     DENIED, OK, values=AUTHORED)],
    # --- admin -----------------------------------------------------------------------------
    "admin.users": [get(       LOGIN,  DENIED, DENIED, DENIED, DENIED, OK)],
    "admin.update_user": [post(LOGIN,  DENIED, DENIED, DENIED, DENIED, MOVED,
                               values={"user_id": "other_resident_id"},
                               data={"u{other_resident_id}-role": "resident",
                                     "u{other_resident_id}-active": "y"})],
}
# fmt: on
NOT_ROUTES = {"static"}
# Where a logged-in visitor's redirect may lead to the log-in page by design.
ENDS_ON_LOGIN_PAGE = {"auth.logout"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def routes_in_app(app) -> set[tuple[str, str]]:
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in NOT_ROUTES
        for method in rule.methods - IGNORED_METHODS
    }


def routes_in_matrix() -> set[tuple[str, str]]:
    return {(endpoint, access.method) for endpoint, rows in MATRIX.items() for access in rows}


def test_every_route_is_in_the_matrix(world_app):
    missing = sorted(routes_in_app(world_app[0]) - routes_in_matrix())
    assert not missing, (
        "routes with no row in tests/security/test_access_matrix.py MATRIX: decide who may "
        f"reach them and add them: {missing}"
    )


def test_the_matrix_names_no_route_that_is_gone(world_app):
    stale = sorted(routes_in_matrix() - routes_in_app(world_app[0]))
    assert not stale, f"MATRIX rows for routes the app no longer has: {stale}"


def _cases():
    for endpoint, rows in MATRIX.items():
        for access in rows:
            for role, expected in zip(ROLES, access.expected, strict=True):
                yield pytest.param(
                    endpoint, access, role, expected, id=f"{endpoint}-{access.method}-{role}"
                )


def _fill(value, ids):
    """Replace ``{name}`` placeholders (world ids) in a form field or value."""
    if not isinstance(value, str):
        return value
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m[1], m[0])), value)


def call(client, endpoint: str, access: Access, ids: dict):
    """Send ``access``'s request with the world's ids filled in; return the response."""
    values = {name: ids.get(value, value) for name, value in access.values.items()}
    with client.application.test_request_context():
        url = url_for(endpoint, **values) + access.query
    if access.method == "GET":
        return client.get(url, headers=access.headers)
    if access.json is not None:
        body = {_fill(k, ids): _fill(v, ids) for k, v in access.json.items()}
        return client.open(url, method=access.method, json=body, headers=access.headers)
    data = {_fill(k, ids): _fill(v, ids) for k, v in (access.data or {}).items()}
    return client.open(url, method=access.method, data=data, headers=access.headers)


REFUSED = {LOGIN, DENIED, GONE}


@pytest.mark.parametrize(("endpoint", "access", "role", "expected"), list(_cases()))
def test_access(world_app, world, world_client, endpoint, access, role, expected):
    snapshot = world_app[2]
    if role != "anonymous":
        log_in(world_client, world[f"{role}_email"])
    # Reading a page, or being refused, must leave the database as it was.
    before = snapshot.current() if access.method == "GET" or expected in REFUSED else None

    response = call(world_client, endpoint, access, world)

    location = response.headers.get("Location", "")
    shown = f"{response.status_code} {location} {response.get_data(as_text=True)[:200]!r}"
    if expected == LOGIN:
        assert response.status_code == 302, shown
        assert location.startswith("/auth/login"), shown
    else:
        assert response.status_code == expected, shown
        if expected == MOVED and role != "anonymous" and endpoint not in ENDS_ON_LOGIN_PAGE:
            assert not location.startswith("/auth/login"), shown
    if before is not None:
        assert snapshot.current() == before, f"{access.method} {endpoint} changed the database"
