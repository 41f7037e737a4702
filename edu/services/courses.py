"""Courses: create, join by code, roster, co-instructors, assignments, settings, status.

Who may do what is the caller's business (``membership`` answers it); these functions do
what they are asked and raise :class:`CourseError` subclasses for input that cannot be
honoured. They never read the request and never abort.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from edu.extensions import db
from edu.models import Assignment, Attempt, CaseRecord, CaseVersion, Course, Enrolment, Role, User
from edu.models._time import utcnow

# No 0/O, 1/I/L, so a code read aloud or copied from a projector is typed right first time.
JOIN_CODE_ALPHABET: Final = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH: Final = 8
INSTRUCTOR: Final = "instructor"
RESIDENT: Final = "resident"


class CourseError(ValueError):
    """Input a course action cannot honour; the message is fit to show the user."""


class UnknownJoinCode(CourseError):
    """No course has this join code."""


class UnknownUser(CourseError):
    """No account has this email."""


class NotAnInstructor(CourseError):
    """A co-instructor must have an instructor (or admin) account."""


class UnknownCase(CourseError):
    """The case or quiz bank does not exist or has no published version."""


class UnknownAssignment(CourseError):
    """The assignment is not part of this course."""


def new_join_code() -> str:
    """Return a random join code from :data:`JOIN_CODE_ALPHABET` (31^8, about 8.5e11)."""
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_code(code: str) -> str:
    """Return ``code`` as stored: upper case, without spaces or dashes people add."""
    return "".join(ch for ch in code.upper() if ch not in " -\t")


def create_course(owner: User, title: str) -> Course:
    """Create a course owned by ``owner`` (enrolled as its instructor) and return it."""
    for _ in range(5):
        course = Course(
            title=title.strip(),
            join_code=new_join_code(),
            owner_id=owner.id,
            secret=secrets.token_hex(32),
        )
        db.session.add(course)
        try:
            db.session.flush()
        except IntegrityError:
            # A code collision is astronomically rare; a fresh draw settles it.
            db.session.rollback()
            continue
        db.session.add(Enrolment(course_id=course.id, user_id=owner.id, role=INSTRUCTOR))
        db.session.commit()
        return course
    raise CourseError("Could not find a free join code; try again.")


def get_course(course_id: int) -> Course | None:
    """Return the course with ``course_id``, or None."""
    return db.session.get(Course, course_id)


def find_by_code(code: str) -> Course | None:
    """Return the course whose join code is ``code`` (any case, spaces ignored), or None."""
    normalised = normalise_code(code)
    if not normalised:
        return None
    return db.session.scalar(select(Course).where(Course.join_code == normalised))


@dataclass(frozen=True)
class Membership:
    """What a user is in a course: ``role`` is "instructor", "resident" or None."""

    role: str | None
    is_admin: bool = False

    @property
    def is_member(self) -> bool:
        """Members and admins may open the course."""
        return self.role is not None or self.is_admin

    @property
    def can_manage(self) -> bool:
        """Instructors of the course and admins see the roster, settings and exports."""
        return self.role == INSTRUCTOR or self.is_admin


def membership(course: Course, user: User) -> Membership:
    """Return ``user``'s :class:`Membership` in ``course``."""
    role = db.session.scalar(
        select(Enrolment.role).where(Enrolment.course_id == course.id, Enrolment.user_id == user.id)
    )
    if role is None and course.owner_id == user.id:
        role = INSTRUCTOR
    return Membership(role=role, is_admin=user.role == Role.ADMIN)


def join_course(user: User, code: str) -> tuple[Course, bool]:
    """Enrol ``user`` as a resident of the course with ``code``; return (course, joined).

    ``joined`` is False when the user was already a member (their role is kept, so an
    instructor following their own invite link stays an instructor).

    Raises:
        UnknownJoinCode: no course has this code.
    """
    course = find_by_code(code)
    if course is None:
        raise UnknownJoinCode("No course has this join code. Check it with your instructor.")
    if membership(course, user).role is not None:
        return course, False
    db.session.add(Enrolment(course_id=course.id, user_id=user.id, role=RESIDENT))
    try:
        db.session.commit()
    except IntegrityError:
        # A double-submitted join form: the first request enrolled them already.
        db.session.rollback()
        return course, False
    return course, True


@dataclass(frozen=True)
class RosterEntry:
    user_id: int
    name: str
    email: str
    role: str
    joined_at: datetime


def roster(course: Course, *, offset: int = 0, limit: int | None = None) -> list[RosterEntry]:
    """Return the course's members, instructors first, then by name."""
    query = (
        select(User.id, User.name, User.email, Enrolment.role, Enrolment.joined_at)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.course_id == course.id)
        .order_by(Enrolment.role.asc(), func.lower(User.name), User.id)
        .offset(offset)
        .limit(limit)
    )
    return [RosterEntry(*row) for row in db.session.execute(query)]


def member_count(course: Course) -> dict[str, int]:
    """Return the number of members per role, e.g. ``{"resident": 40, "instructor": 2}``."""
    query = (
        select(Enrolment.role, func.count())
        .where(Enrolment.course_id == course.id)
        .group_by(Enrolment.role)
    )
    counts = {RESIDENT: 0, INSTRUCTOR: 0}
    counts.update({role: n for role, n in db.session.execute(query)})
    return counts


def add_co_instructor(course: Course, email: str) -> User:
    """Make the account with ``email`` an instructor of ``course`` and return it.

    A resident of the course is promoted in place, so their enrolment date is kept.

    Raises:
        UnknownUser: no account has this email.
        NotAnInstructor: the account is a resident account (an admin promotes it first).
    """
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise UnknownUser("No account has this email. Ask them to register first.")
    if not user.is_instructor:
        raise NotAnInstructor(
            "This account is a resident account; an admin must make it an instructor first."
        )
    enrolment = db.session.get(Enrolment, (course.id, user.id))
    if enrolment is None:
        db.session.add(Enrolment(course_id=course.id, user_id=user.id, role=INSTRUCTOR))
    else:
        enrolment.role = INSTRUCTOR
    db.session.commit()
    return user


@dataclass(frozen=True)
class AssignableCase:
    id: int
    slug: str
    kind: str
    title: str


def assignable_cases() -> list[AssignableCase]:
    """Return every case and quiz bank with a published version, by title."""
    query = (
        select(CaseRecord.id, CaseRecord.slug, CaseRecord.kind, CaseVersion.title)
        .join(CaseVersion, CaseVersion.id == CaseRecord.published_version_id)
        .order_by(func.lower(CaseVersion.title), CaseRecord.slug)
    )
    return [AssignableCase(*row) for row in db.session.execute(query)]


def assign(
    course: Course,
    case_id: int,
    *,
    due_at: datetime | None = None,
    canvas_assignment_id: str | None = None,
) -> Assignment:
    """Assign a published case or quiz bank to ``course``; return the assignment.

    Assigning it again updates its due date and Canvas id instead of failing, so the
    same form both adds and edits.

    Raises:
        UnknownCase: the case does not exist or has no published version.
    """
    case = db.session.get(CaseRecord, case_id)
    if case is None or case.published_version_id is None:
        raise UnknownCase("This case or quiz bank is not published, so it cannot be assigned.")
    canvas_id = (canvas_assignment_id or "").strip() or None
    assignment = db.session.scalar(
        select(Assignment).where(Assignment.course_id == course.id, Assignment.case_id == case_id)
    )
    if assignment is None:
        last = db.session.scalar(
            select(func.max(Assignment.position)).where(Assignment.course_id == course.id)
        )
        position = 0 if last is None else last + 1
        assignment = Assignment(course_id=course.id, case_id=case_id, position=position)
        db.session.add(assignment)
    assignment.due_at = due_at
    assignment.canvas_assignment_id = canvas_id
    db.session.commit()
    return assignment


def unassign(course: Course, assignment_id: int) -> None:
    """Remove an assignment from ``course``. Attempts stay; they just stop counting.

    Raises:
        UnknownAssignment: the assignment is not part of ``course``.
    """
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.course_id != course.id:
        raise UnknownAssignment("This assignment is not part of the course.")
    db.session.delete(assignment)
    db.session.commit()


def update_settings(
    course: Course, *, leaderboard_visible: bool, late_attempts_count: bool, pseudonyms: bool
) -> Course:
    """Store the course's leaderboard settings and return the course."""
    course.leaderboard_visible = leaderboard_visible
    course.late_attempts_count = late_attempts_count
    course.pseudonyms = pseudonyms
    db.session.commit()
    return course


@dataclass(frozen=True)
class CourseSummary:
    id: int
    title: str
    role: str
    assignments: int
    residents: int


def my_courses(user: User) -> list[CourseSummary]:
    """Return the courses ``user`` is a member of, newest first."""
    assignments = (
        select(func.count())
        .where(Assignment.course_id == Course.id)
        .correlate(Course)
        .scalar_subquery()
    )
    residents = (
        select(func.count())
        .select_from(Enrolment)
        .where(Enrolment.course_id == Course.id, Enrolment.role == RESIDENT)
        .correlate(Course)
        .scalar_subquery()
    )
    query = (
        select(Course.id, Course.title, Enrolment.role, assignments, residents)
        .join(Enrolment, Enrolment.course_id == Course.id)
        .where(Enrolment.user_id == user.id)
        .order_by(Course.created_at.desc(), Course.id.desc())
    )
    return [CourseSummary(*row) for row in db.session.execute(query)]


def assignment_title(assignment: Assignment) -> str:
    """Return the title learners see: the published version's, else the slug."""
    case = assignment.case
    version = case.published_version
    return version.title if version is not None else case.slug


# Status words, shown to residents as they are.
NOT_STARTED: Final = "not started"
IN_PROGRESS: Final = "in progress"
COMPLETED: Final = "completed"
LATE: Final = "late"


@dataclass(frozen=True)
class AssignmentStatus:
    """One assignment as a resident sees it.

    ``status`` is one of :data:`NOT_STARTED`, :data:`IN_PROGRESS`, :data:`COMPLETED` or
    :data:`LATE`. Late means the due date has passed without an on-time completion: either
    nothing was completed, or only after the due date (``best_points`` then holds that
    late score, and ``counts`` says whether the course lets it count).
    """

    assignment_id: int
    case_id: int
    slug: str
    kind: str
    title: str
    due_at: datetime | None
    status: str
    best_points: float | None = None
    best_max_points: float | None = None
    counts: bool = True
    open_attempt: bool = False


def course_assigning(user_id: int, case_id: int) -> int | None:
    """Return the course, among those the user takes as a resident, that assigns ``case_id``.

    A resident who starts an assigned case from the catalogue should get credit for it in
    the course; with several such courses the most recently joined one is taken.
    """
    return db.session.scalar(
        select(Enrolment.course_id)
        .join(Assignment, Assignment.course_id == Enrolment.course_id)
        .where(
            Enrolment.user_id == user_id,
            Enrolment.role == "resident",
            Assignment.case_id == case_id,
        )
        .order_by(Enrolment.joined_at.desc(), Enrolment.course_id.desc())
        .limit(1)
    )


def _is_late(completed_at: datetime, due_at: datetime | None) -> bool:
    return due_at is not None and completed_at > due_at


def assignment_statuses(
    course: Course, user: User, *, now: datetime | None = None
) -> list[AssignmentStatus]:
    """Return each assignment of ``course`` with ``user``'s status, in course order.

    Only the user's non-preview attempts made in this course count, as on the leaderboard.
    """
    now = now or utcnow()
    attempts = db.session.execute(
        select(
            Attempt.case_id,
            Attempt.status,
            Attempt.points,
            Attempt.max_points,
            Attempt.completed_at,
        ).where(
            Attempt.user_id == user.id,
            Attempt.course_id == course.id,
            Attempt.preview.is_(False),
        )
    ).all()
    by_case: dict[int, list] = {}
    for row in attempts:
        by_case.setdefault(row.case_id, []).append(row)

    statuses = []
    for assignment in _assignments(course):
        rows = by_case.get(assignment.case_id, [])
        completed = [r for r in rows if r.status == "completed" and r.completed_at is not None]
        on_time = [r for r in completed if not _is_late(r.completed_at, assignment.due_at)]
        open_attempt = any(r.status == "in_progress" for r in rows)
        counted = completed if course.late_attempts_count else on_time
        shown = counted or completed
        best = max(shown, key=lambda r: (r.points, -r.completed_at.timestamp()), default=None)
        if on_time:
            status = COMPLETED
        elif completed or (assignment.due_at is not None and now > assignment.due_at):
            # Completed, but none on time (so there is a due date), or overdue.
            status = LATE
        elif open_attempt:
            status = IN_PROGRESS
        else:
            status = NOT_STARTED
        statuses.append(
            AssignmentStatus(
                assignment_id=assignment.id,
                case_id=assignment.case_id,
                slug=assignment.case.slug,
                kind=assignment.case.kind,
                title=assignment_title(assignment),
                due_at=assignment.due_at,
                status=status,
                best_points=best.points if best is not None else None,
                best_max_points=best.max_points if best is not None else None,
                counts=bool(counted),
                open_attempt=open_attempt,
            )
        )
    return statuses


def _assignments(course: Course) -> Sequence[Assignment]:
    return db.session.scalars(
        select(Assignment)
        .where(Assignment.course_id == course.id)
        .order_by(Assignment.position, Assignment.id)
    ).all()


def course_assignments(course: Course) -> Sequence[Assignment]:
    """Return the course's assignments in course order (the order of leaderboard columns)."""
    return _assignments(course)


def completion_counts(course: Course) -> dict[int, int]:
    """Return, per assignment id, how many residents have completed it in this course."""
    query = (
        select(Assignment.id, func.count(func.distinct(Attempt.user_id)))
        .join(
            Attempt,
            (Attempt.case_id == Assignment.case_id) & (Attempt.course_id == Assignment.course_id),
        )
        .join(
            Enrolment,
            (Enrolment.course_id == Assignment.course_id)
            & (Enrolment.user_id == Attempt.user_id)
            & (Enrolment.role == RESIDENT),
        )
        .where(
            Assignment.course_id == course.id,
            Attempt.status == "completed",
            Attempt.preview.is_(False),
        )
        .group_by(Assignment.id)
    )
    return {assignment_id: n for assignment_id, n in db.session.execute(query)}
