"""Test data builders (CTFd's gen_* helpers, as fixtures). Never raw SQL."""

from __future__ import annotations

import itertools
import secrets
from pathlib import Path

import pytest

from edu.extensions import db
from edu.models import Assignment, Course, Enrolment, Role, User

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)


def create_user(
    role: Role | str = Role.RESIDENT,
    email: str | None = None,
    name: str | None = None,
    password: str = PASSWORD,
) -> User:
    n = next(_counter)
    role = Role(role)
    user = User(
        email=email or f"{role.value}{n}@test.edu",
        name=name or f"{role.value.title()} {n}",
        role=role.value,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def create_course(owner: User, title: str = "Test course", **fields) -> Course:
    course = Course(
        title=title,
        join_code=secrets.token_hex(4).upper(),
        owner_id=owner.id,
        secret=secrets.token_hex(16),
        **fields,
    )
    db.session.add(course)
    db.session.flush()
    db.session.add(Enrolment(course_id=course.id, user_id=owner.id, role="instructor"))
    db.session.commit()
    return course


def enrol(course: Course, user: User, role: str = "resident") -> None:
    db.session.add(Enrolment(course_id=course.id, user_id=user.id, role=role))
    db.session.commit()


def assign(course: Course, case_record, **fields) -> Assignment:
    assignment = Assignment(course_id=course.id, case_id=case_record.id, **fields)
    db.session.add(assignment)
    db.session.commit()
    return assignment


def sync_fixture_cases(*paths: Path):
    """Load the given case files into the library (published when they lint clean)."""
    from edu.cases import lint_document
    from edu.services.guidelines import current_library
    from edu.services.library import save_version

    records = []
    for path in paths:
        raw = path.read_text()
        result = lint_document(raw, str(path), current_library())
        assert result.document is not None, [str(f) for f in result.findings]
        version, _ = save_version(
            raw, result.document, findings=list(result.findings), publish=True
        )
        records.append(version.case)
    db.session.commit()
    return records


class Auth:
    """Log in and out through the real form, like the tutorial's AuthActions."""

    def __init__(self, client):
        self._client = client

    def login(self, user: User, password: str = PASSWORD):
        return self._client.post("/auth/login", data={"email": user.email, "password": password})

    def logout(self):
        return self._client.post("/auth/logout")


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


@pytest.fixture
def login_as(app, client, auth):
    """Create a user with ``role``, log them in, and return the user."""

    def _login(role: Role | str = Role.RESIDENT, **fields) -> User:
        user = create_user(role, **fields)
        response = auth.login(user)
        assert response.status_code == 302, response.data[:500]
        return user

    return _login
