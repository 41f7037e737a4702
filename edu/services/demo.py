"""Demo accounts and a demo course, so a newcomer can log in at once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select

from edu.extensions import db
from edu.models import Assignment, CaseRecord, Course, Enrolment, Role, User


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    password: str
    role: Role


# Published in the README on purpose: demo data is for a local machine only.
DEMO_ACCOUNTS = (
    DemoAccount("resident@demo.edu", "Dana Resident", "resident-demo-2026", Role.RESIDENT),
    DemoAccount(
        "instructor@demo.edu", "Dr Ivo Instructor", "instructor-demo-2026", Role.INSTRUCTOR
    ),
    DemoAccount("admin@demo.edu", "Ada Admin", "admin-demo-2026", Role.ADMIN),
)
DEMO_COURSE_CODE = "HER2DEMO"


def load_demo() -> list[DemoAccount]:
    """Create the demo accounts and course if missing; return the accounts. Idempotent."""
    users = {}
    for account in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.email == account.email))
        if user is None:
            user = User(email=account.email, name=account.name, role=account.role.value)
            user.set_password(account.password)
            db.session.add(user)
        users[account.role] = user
    db.session.flush()
    course = db.session.scalar(select(Course).where(Course.join_code == DEMO_COURSE_CODE))
    if course is None:
        course = Course(
            title="HER2-positive metastatic breast cancer — demo course",
            join_code=DEMO_COURSE_CODE,
            owner_id=users[Role.INSTRUCTOR].id,
            leaderboard_visible=True,
            secret=secrets.token_hex(16),
        )
        db.session.add(course)
        db.session.flush()
        db.session.add(
            Enrolment(course_id=course.id, user_id=users[Role.INSTRUCTOR].id, role="instructor")
        )
        db.session.add(
            Enrolment(course_id=course.id, user_id=users[Role.RESIDENT].id, role="resident")
        )
        cases = db.session.scalars(
            select(CaseRecord)
            .where(CaseRecord.published_version_id.is_not(None))
            .order_by(CaseRecord.slug)
            .limit(3)
        )
        for position, case in enumerate(cases):
            db.session.add(Assignment(course_id=course.id, case_id=case.id, position=position))
    db.session.commit()
    return list(DEMO_ACCOUNTS)
