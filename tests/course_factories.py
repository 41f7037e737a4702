"""Builders for course tests: published cases, attempts and choices, made as ORM rows.

The play flow (``edu.services.play``) writes these rows in real use; course tests create
them directly so they test ranking and exports, not playing.
"""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from edu.extensions import db
from edu.models import Attempt, BestAttempt, CaseRecord, CaseVersion, Choice, Course, Role, User
from tests.factories import PASSWORD

T0 = datetime(2026, 3, 2, 9, 0, 0)
# Course tests create many accounts; the production hash (scrypt) costs ~0.2 s each.
FAST_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
_numbers = itertools.count(1)


def make_user(
    role: Role | str = Role.RESIDENT, *, name: str | None = None, email: str | None = None, **fields
) -> User:
    """A user who logs in with :data:`tests.factories.PASSWORD`, quickly."""
    n = next(_numbers)
    role = Role(role)
    user = User(
        email=email or f"{role.value}-c{n}@test.edu",
        name=name or f"{role.value.title()} C{n}",
        role=role.value,
        password_hash=FAST_HASH,
        **fields,
    )
    db.session.add(user)
    db.session.commit()
    return user


def at(minutes: float) -> datetime:
    """Return a naive-UTC time ``minutes`` after :data:`T0`."""
    return T0 + timedelta(minutes=minutes)


def make_case(
    slug: str,
    title: str | None = None,
    *,
    kind: str = "case",
    decisions: int = 2,
    published: bool = True,
) -> CaseRecord:
    record = CaseRecord(slug=slug, kind=kind)
    db.session.add(record)
    db.session.flush()
    meta = {"kind": kind, "decisions" if kind == "case" else "items": decisions}
    version = CaseVersion(
        case_id=record.id,
        number=1,
        content=f"# {title or slug}\n",
        content_hash="0" * 64,
        title=title or slug,
        guideline="her2-mbc-2026.1",
        meta=meta,
        lint_ok=True,
        published_at=T0 if published else None,
    )
    db.session.add(version)
    db.session.flush()
    if published:
        record.published_version_id = version.id
    db.session.commit()
    return record


def make_attempt(
    user: User,
    case: CaseRecord,
    course: Course | None,
    *,
    points: float = 0,
    max_points: float = 20,
    completed_at: datetime | None = None,
    status: str = "completed",
    preview: bool = False,
    version: int = 1,
) -> Attempt:
    case_version = next(v for v in case.versions if v.number == version)
    attempt = Attempt(
        user_id=user.id,
        case_id=case.id,
        case_version_id=case_version.id,
        course_id=course.id if course is not None else None,
        kind=case.kind,
        guideline_version="her2-mbc-2026.1",
        status=status,
        preview=preview,
        current_node="end",
        points=points,
        max_points=max_points,
        started_at=(completed_at or T0) - timedelta(minutes=10),
        completed_at=completed_at,
    )
    db.session.add(attempt)
    db.session.commit()
    return attempt


def make_choice(
    attempt: Attempt,
    step: int,
    *,
    option: str = "THP_DOCETAXEL",
    verdict: str = "preferred",
    points: float = 10,
    decision: str = "metastatic_line",
    decided_at: datetime | None = None,
    guideline_version: str = "her2-mbc-2026.1",
) -> Choice:
    choice = Choice(
        attempt_id=attempt.id,
        step=step,
        node_id=f"node-{step}",
        decision=decision,
        option_code=option,
        verdict=verdict,
        points=points,
        max_points=10,
        guideline_version=guideline_version,
        decided_at=decided_at or T0,
    )
    db.session.add(choice)
    db.session.commit()
    return choice


def expected_best() -> dict[tuple[int, int, int], tuple]:
    """Each (course, learner, case)'s best counted attempt, worked out in Python from
    every attempt with the leaderboard's rule: (attempt id, points, max points, completed at)."""
    best: dict[tuple[int, int, int], tuple] = {}
    for a in db.session.scalars(select(Attempt).order_by(Attempt.id)):
        if a.course_id is None or a.status != "completed" or a.preview or a.completed_at is None:
            continue
        key = (a.course_id, a.user_id, a.case_id)
        candidate = (-a.points, a.completed_at, a.id)
        if key not in best or candidate < best[key][0]:
            best[key] = (candidate, (a.id, a.points, a.max_points, a.completed_at))
    return {key: value for key, (_, value) in best.items()}


def stored_best() -> dict[tuple[int, int, int], tuple]:
    """What ``best_attempts`` holds, in the form of :func:`expected_best`."""
    db.session.expire_all()
    return {
        (b.course_id, b.user_id, b.case_id): (b.attempt_id, b.points, b.max_points, b.completed_at)
        for b in db.session.scalars(select(BestAttempt))
    }
