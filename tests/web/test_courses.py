"""Courses pages: the permission matrix, joining, instructor forms, leaderboard, exports."""

from __future__ import annotations

import re

import pytest

from edu.extensions import db
from edu.models import Course, Enrolment
from edu.services import courses
from tests.course_factories import at, make_attempt, make_case, make_choice, make_user
from tests.factories import PASSWORD, create_course, enrol

ROLES = (
    "anonymous",
    "resident_member",
    "resident_elsewhere",
    "owner",
    "co_instructor",
    "instructor_elsewhere",
    "admin",
)


@pytest.fixture
def world(app):
    owner = make_user("instructor", name="Olga Owner")
    course = create_course(owner, "HER2 module")
    other_owner = make_user("instructor", name="Omar Other")
    other_course = create_course(other_owner, "Another course")
    co = make_user("instructor", name="Cora Co")
    enrol(course, co, role="instructor")
    member = make_user("resident", name="Rita Resident")
    enrol(course, member)
    elsewhere = make_user("resident", name="Eli Elsewhere")
    enrol(other_course, elsewhere)
    case = make_case("her2-first-line", "HER2 first line")
    spare = make_case("her2-quiz-1", "HER2 quiz 1", kind="quiz")
    assignment = courses.assign(course, case.id, due_at=at(60))
    make_attempt(member, case, course, points=15, completed_at=at(30))
    users = {
        "resident_member": member,
        "resident_elsewhere": elsewhere,
        "owner": owner,
        "co_instructor": co,
        "instructor_elsewhere": other_owner,
        "admin": make_user("admin", name="Ada Admin"),
        "candidate": make_user("instructor", email="candidate@test.edu"),
    }
    return {
        "course": course,
        "other_course": other_course,
        "case": case,
        "spare": spare,
        "assignment": assignment,
        "users": users,
    }


def as_role(auth, world, role):
    if role != "anonymous":
        response = auth.login(world["users"][role])
        assert response.status_code == 302


OK, GONE, DENIED, LOGIN = 200, 404, 403, "login"
MANAGERS_ONLY = {
    "resident_member": DENIED,
    "resident_elsewhere": GONE,
    "owner": OK,
    "co_instructor": OK,
    "instructor_elsewhere": GONE,
    "admin": OK,
}
MEMBERS = {**MANAGERS_ONLY, "resident_member": OK}
EVERYONE = dict.fromkeys(MEMBERS, OK)
INSTRUCTORS = {**EVERYONE, "resident_member": DENIED, "resident_elsewhere": DENIED}


def redirect_on_success(table):
    return {role: 302 if status == OK else status for role, status in table.items()}


# (name, method, url, form data, expected status per role). URLs use {course}, {code},
# {assignment}; anonymous users are always sent to the log-in page.
ROUTES = [
    ("index", "get", "/courses/", None, EVERYONE),
    ("create form", "get", "/courses/new", None, INSTRUCTORS),
    ("create", "post", "/courses/new", {"title": "New"}, redirect_on_success(INSTRUCTORS)),
    ("join", "post", "/courses/join", {"code": "{code}"}, redirect_on_success(EVERYONE)),
    ("join link", "get", "/courses/join/{code}", None, EVERYONE),
    ("detail", "get", "/courses/{course}", None, MEMBERS),
    (
        "settings",
        "post",
        "/courses/{course}/settings",
        {"settings-leaderboard_visible": "y"},
        redirect_on_success(MANAGERS_ONLY),
    ),
    (
        "assign",
        "post",
        "/courses/{course}/assignments",
        {"assign-case_id": "{spare}", "assign-due_at": "2026-04-01T12:00"},
        redirect_on_success(MANAGERS_ONLY),
    ),
    (
        "unassign",
        "post",
        "/courses/{course}/assignments/{assignment}/remove",
        {},
        redirect_on_success(MANAGERS_ONLY),
    ),
    (
        "add co-instructor",
        "post",
        "/courses/{course}/instructors",
        {"instructor-email": "candidate@test.edu"},
        redirect_on_success(MANAGERS_ONLY),
    ),
    # The leaderboard is hidden from residents until the instructor shows it (tested below).
    ("leaderboard", "get", "/courses/{course}/leaderboard", None, MANAGERS_ONLY),
    *[
        (f"export {kind}", "get", f"/courses/{{course}}/export/{kind}.csv", None, MANAGERS_ONLY)
        for kind in ("leaderboard", "canvas", "moodle", "research")
    ],
    (
        "export research pseudonymised",
        "get",
        "/courses/{course}/export/research.csv?pseudonymise=1",
        None,
        MANAGERS_ONLY,
    ),
]


def fill(template: str, world) -> str:
    return template.format(
        course=world["course"].id,
        code=world["course"].join_code,
        assignment=world["assignment"].id,
        spare=world["spare"].id,
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("method", "url", "data", "expected"),
    [route[1:] for route in ROUTES],
    ids=[route[0] for route in ROUTES],
)
def test_permission_matrix(client, auth, world, role, method, url, data, expected):
    as_role(auth, world, role)
    form = {key: fill(value, world) for key, value in (data or {}).items()}
    response = getattr(client, method)(fill(url, world), data=form if method == "post" else None)
    if role == "anonymous":
        assert response.status_code == 302
        assert "/auth/login" in response.headers["Location"]
    else:
        assert response.status_code == expected[role], response.data[:300]


@pytest.mark.parametrize("role", ROLES[1:])
def test_a_course_that_does_not_exist_is_404_for_everyone(client, auth, world, role):
    as_role(auth, world, role)
    assert client.get("/courses/999999").status_code == 404
    assert client.get("/courses/999999/export/canvas.csv").status_code == 404


def test_a_non_member_gets_the_same_answer_as_for_a_missing_course(client, auth, world):
    as_role(auth, world, "resident_elsewhere")
    hidden = client.get(f"/courses/{world['course'].id}")
    missing = client.get("/courses/999999")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.data == missing.data


def test_residents_see_the_leaderboard_once_enabled(client, auth, world):
    as_role(auth, world, "resident_member")
    url = f"/courses/{world['course'].id}/leaderboard"
    assert client.get(url).status_code == 403
    world["course"].leaderboard_visible = True
    db.session.commit()
    response = client.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'aria-current="true"' in page and ">You<" in page
    assert "Rita Resident" in page
    assert "/export/" not in page  # no export links for residents


def test_pseudonyms_hide_other_residents_names(client, auth, world):
    course = world["course"]
    course.leaderboard_visible = course.pseudonyms = True
    peer = make_user("resident", name="Petra Peer")
    enrol(course, peer)
    make_attempt(peer, world["case"], course, points=18, completed_at=at(20))
    as_role(auth, world, "resident_member")
    page = client.get(f"/courses/{course.id}/leaderboard").get_data(as_text=True)
    assert "Petra Peer" not in page and "Rita Resident" in page
    assert "p-" in page


def test_instructors_see_names_and_export_links_on_the_leaderboard(client, auth, world):
    world["course"].pseudonyms = True
    db.session.commit()
    as_role(auth, world, "owner")
    page = client.get(f"/courses/{world['course'].id}/leaderboard").get_data(as_text=True)
    assert "Rita Resident" in page
    for kind in ("leaderboard", "canvas", "moodle", "research"):
        assert f"/export/{kind}.csv" in page


def test_the_leaderboard_is_paginated(client, auth, world, monkeypatch):
    from edu.web.courses import routes

    monkeypatch.setattr(routes, "LEADERBOARD_PER_PAGE", 1)
    course = world["course"]
    course.leaderboard_visible = True
    peer = make_user("resident", name="Petra Peer")
    enrol(course, peer)
    make_attempt(peer, world["case"], course, points=18, completed_at=at(20))
    as_role(auth, world, "resident_member")
    first = client.get(f"/courses/{course.id}/leaderboard").get_data(as_text=True)
    assert "Petra Peer" in first and "Page 1 of 2" in first
    assert "Go to your row (page 2)" in first
    second = client.get(f"/courses/{course.id}/leaderboard?page=2").get_data(as_text=True)
    assert "Rita Resident" in second and 'aria-current="true"' in second


class TestJoining:
    def test_opening_an_invite_link_does_not_enrol(self, client, auth, world):
        newcomer = make_user("resident")
        auth.login(newcomer)
        page = client.get(f"/courses/join/{world['course'].join_code.lower()}")
        assert page.status_code == 200
        assert b"Join course" in page.data
        assert db.session.get(Enrolment, (world["course"].id, newcomer.id)) is None
        response = client.post("/courses/join", data={"code": world["course"].join_code})
        assert response.headers["Location"].endswith(f"/courses/{world['course'].id}")
        assert db.session.get(Enrolment, (world["course"].id, newcomer.id)).role == "resident"

    def test_an_unknown_link_is_404(self, client, auth, world):
        auth.login(world["users"]["resident_member"])
        assert client.get("/courses/join/NOSUCH99").status_code == 404

    def test_an_unknown_code_shows_the_form_again(self, client, auth, world):
        auth.login(world["users"]["resident_elsewhere"])
        response = client.post("/courses/join", data={"code": "WRONG234"})
        assert response.status_code == 400
        assert b"No course has this join code" in response.data

    def test_an_anonymous_invite_link_goes_to_log_in_and_back(self, client, world):
        response = client.get(f"/courses/join/{world['course'].join_code}")
        assert response.status_code == 302
        assert "next=" in response.headers["Location"]


class TestInstructorPages:
    def test_creating_a_course_shows_its_join_code(self, client, auth, world):
        auth.login(world["users"]["owner"])
        response = client.post("/courses/new", data={"title": "PGY-3 HER2"}, follow_redirects=True)
        course = db.session.query(Course).filter_by(title="PGY-3 HER2").one()
        assert course.join_code in response.get_data(as_text=True)

    def test_the_detail_page_shows_roster_code_and_forms(self, client, auth, world):
        auth.login(world["users"]["co_instructor"])
        page = client.get(f"/courses/{world['course'].id}").get_data(as_text=True)
        for text in (
            "Rita Resident",
            "Olga Owner",
            world["course"].join_code,
            "Leaderboard settings",
            "Assign a case",
            "Add a co-instructor",
            f"/courses/join/{world['course'].join_code}",
            "1 of 1",
        ):
            assert text in page, text

    def test_a_resident_sees_status_but_no_roster(self, client, auth, world):
        auth.login(world["users"]["resident_member"])
        page = client.get(f"/courses/{world['course'].id}").get_data(as_text=True)
        assert "HER2 first line" in page and "Completed" in page and "15 / 20" in page
        assert "Olga Owner" not in page and "Leaderboard settings" not in page

    def test_a_resident_starts_an_assignment_from_the_course(self, client, auth, world):
        auth.login(world["users"]["resident_member"])
        page = client.get(f"/courses/{world['course'].id}").get_data(as_text=True)
        assert 'action="/play/her2-first-line/start"' in page
        assert f'name="course_id" value="{world["course"].id}"' in page

    def test_settings_are_saved(self, client, auth, world):
        auth.login(world["users"]["owner"])
        client.post(
            f"/courses/{world['course'].id}/settings",
            data={"settings-leaderboard_visible": "y", "settings-pseudonyms": "y"},
        )
        db.session.expire_all()
        course = db.session.get(Course, world["course"].id)
        assert (course.leaderboard_visible, course.late_attempts_count, course.pseudonyms) == (
            True,
            False,
            True,
        )

    def test_a_bad_canvas_id_is_explained(self, client, auth, world):
        auth.login(world["users"]["owner"])
        response = client.post(
            f"/courses/{world['course'].id}/assignments",
            data={"assign-case_id": str(world["spare"].id), "assign-canvas_assignment_id": "abc"},
        )
        assert response.status_code == 400
        assert b"Canvas assignment" in response.data

    def test_a_resident_account_cannot_become_co_instructor(self, client, auth, world):
        auth.login(world["users"]["owner"])
        response = client.post(
            f"/courses/{world['course'].id}/instructors",
            data={"instructor-email": world["users"]["resident_elsewhere"].email},
        )
        assert response.status_code == 400
        assert b"resident account" in response.data

    def test_removing_another_courses_assignment_is_404(self, client, auth, world):
        other = world["other_course"]
        foreign = courses.assign(other, world["spare"].id)
        auth.login(world["users"]["owner"])
        url = f"/courses/{world['course'].id}/assignments/{foreign.id}/remove"
        assert client.post(url).status_code == 404


class TestExportResponses:
    @pytest.mark.parametrize(
        ("kind", "header"),
        [
            ("leaderboard", "name,email,HER2 first line,total,rank,completed_at"),
            ("canvas", "Student,ID,SIS User ID,SIS Login ID,Section,HER2 first line"),
            ("moodle", "Email address,ID number,First name,Last name,HER2 first line"),
            (
                "research",
                "learner,case,case_version,guideline_version,decision,option,"
                "verdict,points,decided_at",
            ),
        ],
    )
    def test_a_streamed_utf8_csv_attachment(self, client, auth, world, kind, header):
        auth.login(world["users"]["owner"])
        response = client.get(f"/courses/{world['course'].id}/export/{kind}.csv")
        assert response.status_code == 200
        assert response.is_streamed
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="her2-module-{kind}.csv"'
        )
        assert response.headers["Cache-Control"] == "no-store"
        body = response.get_data()
        assert body.startswith(b"\xef\xbb\xbf" + header.encode() + b"\r\n")

    def test_the_leaderboard_file_has_the_resident(self, client, auth, world):
        auth.login(world["users"]["admin"])
        body = client.get(f"/courses/{world['course'].id}/export/leaderboard.csv").get_data(
            as_text=True
        )
        assert body.splitlines()[1] == (
            f"Rita Resident,{world['users']['resident_member'].email},15,15,1,2026-03-02T09:30:00Z"
        )

    def test_research_pseudonymised_has_no_emails(self, client, auth, world):
        played = make_attempt(
            world["users"]["resident_member"],
            world["case"],
            world["course"],
            points=10,
            completed_at=at(35),
        )
        make_choice(played, 1)
        auth.login(world["users"]["owner"])
        url = f"/courses/{world['course'].id}/export/research.csv"
        plain = client.get(url).get_data(as_text=True)
        hidden = client.get(url + "?pseudonymise=1")
        assert world["users"]["resident_member"].email in plain
        assert "@" not in hidden.get_data(as_text=True)
        assert hidden.get_data(as_text=True).splitlines()[1].startswith("p-")
        assert "research-pseudonymised.csv" in hidden.headers["Content-Disposition"]

    def test_an_unknown_kind_is_404(self, client, auth, world):
        auth.login(world["users"]["owner"])
        assert client.get(f"/courses/{world['course'].id}/export/excel.csv").status_code == 404


class TestCsrf:
    """With CSRF on, as in production: a POST without the token changes nothing."""

    @pytest.fixture
    def app(self, csrf_app):
        return csrf_app

    @staticmethod
    def token(client, url: str) -> str:
        page = client.get(url).get_data(as_text=True)
        return re.search(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page).group(1)

    def log_in(self, client, user) -> None:
        token = self.token(client, "/auth/login")
        response = client.post(
            "/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302

    def test_a_join_without_token_is_refused(self, client):
        course = create_course(make_user("instructor"))
        user = make_user("resident")
        self.log_in(client, user)
        response = client.post("/courses/join", data={"code": course.join_code})
        assert response.status_code == 400
        assert db.session.get(Enrolment, (course.id, user.id)) is None

    def test_instructor_forms_work_with_the_token_and_fail_without(self, client):
        owner = make_user("instructor")
        course = create_course(owner)
        self.log_in(client, owner)
        url = f"/courses/{course.id}/settings"
        data = {"settings-leaderboard_visible": "y"}
        assert client.post(url, data=data).status_code == 400
        token = self.token(client, f"/courses/{course.id}")
        assert client.post(url, data={**data, "csrf_token": token}).status_code == 302
        db.session.expire_all()
        assert db.session.get(Course, course.id).leaderboard_visible
