"""The world the security tests run in: two courses, their people, cases, attempts.

Course A and course B each have an instructor and a resident; an admin belongs to
neither. The library holds a published case (``play-short``) and quiz (``play-quiz``),
both assigned to both courses, and an authored case (``author-basic``) owned by the
instructor of course A, with a published version 1 and an unpublished draft version 2.
The resident of course A has a finished attempt (a choice at step 1, for the feedback
and debrief pages) and an open one at a decision; the resident of course B has one too.

Role names are the access matrix's columns: ``resident`` and ``instructor`` are the
people of course A (whose URLs the matrix requests), ``other_resident`` and
``other_instructor`` those of course B.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, text, update
from werkzeug.security import generate_password_hash

from edu.extensions import db
from edu.models import Assignment, Attempt, CaseRecord, CaseVersion, Course, Role, User
from edu.services import authoring, play
from tests.conftest import FIXTURE_CASES
from tests.factories import PASSWORD, create_course, enrol, sync_fixture_cases

PLAY_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "play"
AUTHORED_TEXT = (FIXTURE_CASES / "author-basic.md").read_text()
DRAFT_TEXT = AUTHORED_TEXT.replace(
    "A fit patient with de novo", "An unpublished draft: a fit patient with de novo"
)
ROLES = ("anonymous", "resident", "other_resident", "instructor", "other_instructor", "admin")
# The production hash (scrypt) costs ~0.2 s; a world has five accounts and the matrix
# builds hundreds of worlds. Log-in still checks this hash for real.
_CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
_numbers = itertools.count(1)


def make_user(role: Role | str, name: str | None = None) -> User:
    """A user who logs in with :data:`tests.factories.PASSWORD`, created quickly."""
    n = next(_numbers)
    role = Role(role)
    user = User(
        email=f"sec-{role.value}{n}@test.edu",
        name=name or f"Sec {role.value.title()} {n}",
        role=role.value,
        password_hash=_CHEAP_HASH,
    )
    db.session.add(user)
    db.session.commit()
    return user


@dataclass
class World:
    users: dict[str, User]
    course_a: Course
    course_b: Course
    case: CaseRecord
    quiz: CaseRecord
    authored: CaseRecord
    draft: CaseVersion
    assignment_a: Assignment
    done_attempt: Attempt
    open_attempt: Attempt
    other_attempt: Attempt


def build_world() -> World:
    """Create the world in the current app's (emptied) database and return it."""
    users = {
        "resident": make_user("resident"),
        "other_resident": make_user("resident"),
        "instructor": make_user("instructor"),
        "other_instructor": make_user("instructor"),
        "admin": make_user("admin"),
    }
    case, quiz = sync_fixture_cases(PLAY_FIXTURES / "play-short.md", PLAY_FIXTURES / "play-quiz.md")
    course_a = create_course(users["instructor"], title="Course A")
    course_b = create_course(users["other_instructor"], title="Course B")
    enrol(course_a, users["resident"])
    enrol(course_b, users["other_resident"])
    assignments = {}
    for course in (course_a, course_b):
        for position, record in enumerate((case, quiz)):
            assignment = Assignment(course_id=course.id, case_id=record.id, position=position)
            db.session.add(assignment)
            assignments[(course.id, record.id)] = assignment
    db.session.commit()

    authored = authoring.create_case(AUTHORED_TEXT, users["instructor"], publish=True).case
    draft = authoring.save_draft(authored, DRAFT_TEXT, users["instructor"]).version
    assert draft.number == 2 and authored.published_version_id != draft.id

    resident = users["resident"]
    done = _play(resident.id, case, course_a.id, ["THP_DOCETAXEL"])
    assert done.status == "completed", done.path
    opened = _play(resident.id, case, course_a.id, [])
    other = _play(users["other_resident"].id, case, course_b.id, [])
    return World(
        users=users,
        course_a=course_a,
        course_b=course_b,
        case=case,
        quiz=quiz,
        authored=authored,
        draft=draft,
        assignment_a=assignments[(course_a.id, case.id)],
        done_attempt=done,
        open_attempt=opened,
        other_attempt=other,
    )


def _play(user_id: int, case: CaseRecord, course_id: int, codes: list[str]) -> Attempt:
    """Start an attempt, continue past the narrative, then make the choices ``codes``."""
    attempt = play.start_attempt(user_id, case, course_id=course_id, restart=True)
    play.advance(attempt.id, user_id, 0)
    for code in codes:
        play.decide(attempt.id, user_id, play.current_step(attempt), code)
    return play.get_attempt(attempt.id, user_id)


def world_ids(world: World) -> dict:
    """Plain values of the world (ids, codes, emails) that stay valid after a restore."""
    ids = {
        "open_attempt": world.open_attempt.id,
        "done_attempt": world.done_attempt.id,
        "other_attempt": world.other_attempt.id,
        "course_a": world.course_a.id,
        "course_b": world.course_b.id,
        "join_code_a": world.course_a.join_code,
        "case_slug": world.case.slug,
        "case_id": world.case.id,
        "quiz_slug": world.quiz.slug,
        "authored_slug": world.authored.slug,
        "authored_id": world.authored.id,
        "draft_version": world.draft.id,
        "published_version": world.authored.published_version_id,
        "assignment_a": world.assignment_a.id,
    }
    for role, user in world.users.items():
        ids[f"{role}_id"] = user.id
        ids[f"{role}_email"] = user.email
    return ids


class Snapshot:
    """Every row of every table, taken once and put back before each test.

    Building the world takes a second on PostgreSQL (emptying tables with TRUNCATE is
    most of it); deleting and re-inserting a few dozen rows takes a few milliseconds, so
    the matrix can give each of its hundreds of requests an untouched world.
    """

    def __init__(self, app) -> None:
        self.app = app
        with app.app_context():
            self.rows = {
                table.name: [dict(row._mapping) for row in db.session.execute(select(table))]
                for table in db.metadata.sorted_tables
            }

    def restore(self) -> None:
        with self.app.app_context():
            self._restore()

    def _restore(self) -> None:
        tables = db.metadata.sorted_tables
        order = {table.name: index for index, table in enumerate(tables)}
        # Columns that point at a table that comes later (cases -> their published
        # version): emptied before deleting, filled in once that table has its rows.
        deferred = {
            table.name: [
                column.name
                for column in table.columns
                for key in column.foreign_keys
                if order[key.column.table.name] >= order[table.name]
            ]
            for table in tables
        }
        with db.engine.begin() as conn:
            for table in tables:
                if deferred[table.name]:
                    conn.execute(update(table).values(dict.fromkeys(deferred[table.name])))
            for table in reversed(tables):
                conn.execute(table.delete())
            for table in tables:
                rows = self.rows[table.name]
                if rows:
                    late = dict.fromkeys(deferred[table.name])
                    conn.execute(table.insert(), [{**row, **late} for row in rows])
            for table in tables:
                for row in self.rows[table.name] if deferred[table.name] else ():
                    conn.execute(
                        update(table)
                        .where(*(column == row[column.name] for column in table.primary_key))
                        .values({name: row[name] for name in deferred[table.name]})
                    )
            if conn.dialect.name == "postgresql":
                for table in tables:
                    if "id" in table.c:
                        # Rows were inserted with their ids: move each sequence past them.
                        conn.execute(
                            text(
                                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                            )
                        )

    def current(self) -> dict:
        """The database now, in the shape of :attr:`rows` (sorted, for comparing)."""
        with self.app.app_context():
            return {
                table.name: sorted(
                    repr(sorted(dict(row._mapping).items()))
                    for row in db.session.execute(select(table))
                )
                for table in db.metadata.sorted_tables
            }


def log_in(client, user_email: str) -> None:
    """Log in through the real form (CSRF off in the tests that call this)."""
    response = client.post("/auth/login", data={"email": user_email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
