"""Fill a database with a realistic large course, fast (bulk inserts, COPY on PostgreSQL).

The course: one instructor, N residents, every published case and quiz bank of the library
as an assignment (20 with the shipped library), and 3 completed attempts per resident and
assignment with every decision recorded, so 5,000 learners make 300,000 attempts and about
two million choices.

Verdicts are the engine's, not invented: for each case the generator first plays a few
dozen *walks* through the play service's own scoring (:mod:`bench.walks`), from a careless
one to a careful one, and every attempt replays one of them. A learner has a skill; better learners, and later attempts, replay better walks. So
scores, pitfalls, safety errors and paths are what the application itself would have
stored, at a fraction of the cost.

Rows are written with the database's bulk path (:mod:`bench.bulk`): ``executemany`` of
plain tuples on SQLite (one transaction per batch) and ``COPY ... FROM STDIN`` on PostgreSQL. Ids are assigned
here so choices can point at their attempts without a round trip; sequences are moved past
them afterwards so the application's own inserts carry on.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError
from werkzeug.security import generate_password_hash

from bench.bulk import ATTEMPT_COLUMNS, CHOICE_COLUMNS, USER_COLUMNS, BulkWriter
from bench.walks import Playable, Walk, build_playables
from edu.extensions import db
from edu.models import CaseRecord, Course
from edu.models.best_attempts import rebuild_best_attempts

BENCH_PASSWORD = "bench-password-2026"
TITLE_PREFIX = "edu bench course"
SEMESTER_START = datetime(2026, 1, 12, 8, 0)
BATCH_LEARNERS = 250

FIRST = ("Amira", "Ben", "Chloe", "Dev", "Elena", "Femi", "Grace", "Hiro", "Ines", "Jonas")
LAST = ("Okafor", "Smith", "Nguyen", "Garcia", "Kowalski", "Haddad", "Muller", "Tanaka", "Silva")


@dataclass(frozen=True)
class CourseSize:
    """How big a generated course is."""

    learners: int
    assignments: int = 20
    attempts: int = 3

    @property
    def label(self) -> str:
        return f"l{self.learners}_a{self.assignments}_t{self.attempts}"

    @property
    def title(self) -> str:
        return f"{TITLE_PREFIX} ({self.learners} learners, {self.assignments} assignments)"


@dataclass
class GeneratedCourse:
    size: CourseSize
    course_id: int
    join_code: str
    instructor_id: int
    learner_ids: list[int]
    assignment_ids: list[int]
    playables: list[Playable]
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


# --- schema and library ----------------------------------------------------------------------


def prepare_database(app: Flask) -> None:
    """Create the schema with the migrations (as production does) and sync the case library."""
    from flask_migrate import upgrade

    from edu.services.guidelines import cases_dir, current_library
    from edu.services.library import sync_directory

    with app.app_context():
        upgrade()
        entries = sync_directory(cases_dir(), current_library())
        rejected = [e.path for e in entries if e.status == "rejected"]
        if rejected:
            raise RuntimeError(f"case files rejected by the linter: {rejected}")


# --- the course ------------------------------------------------------------------------------


def generate_course(
    app: Flask, size: CourseSize, seed: int = 2026, progress=None
) -> GeneratedCourse:
    """Write a course of ``size`` into the app's (migrated, synced) database and return it."""
    started = time.perf_counter()
    rng = random.Random(seed)
    say = progress or (lambda message: None)
    with app.app_context():
        records = db.session.scalars(
            db.select(CaseRecord)
            .where(CaseRecord.published_version_id.is_not(None))
            .order_by(CaseRecord.slug)
        ).all()
        if len(records) < size.assignments:
            raise RuntimeError(
                f"{size.assignments} assignments asked for, the library has {len(records)}"
            )
        # Cases and quiz banks alternate in the course as they would in a syllabus.
        records = _interleave(records)[: size.assignments]
        playables = build_playables([r.id for r in records], seed)
        db.session.remove()
        password_hash = generate_password_hash(BENCH_PASSWORD)
        counts = {"users": 0, "attempts": 0, "choices": 0}
        with db.engine.begin() as conn:
            writer = BulkWriter(conn)
            user_id = writer.next_id("users")
            course_id = writer.next_id("courses")
            first_assignment = writer.next_id("assignments")
            instructor_id = user_id
            tag = secrets.token_hex(3)
            writer.insert(
                "users",
                USER_COLUMNS,
                [
                    (instructor_id, f"director-{tag}@bench.edu", "Course Director", password_hash,
                     "instructor", True, writer.time(SEMESTER_START - timedelta(days=30)), 0,
                     None, None)
                ],
            )  # fmt: skip
            join_code = "B" + secrets.token_hex(4).upper()[:7]
            writer.insert(
                "courses",
                ("id", "title", "join_code", "owner_id", "leaderboard_visible",
                 "late_attempts_count", "pseudonyms", "secret", "created_at"),
                [(course_id, size.title, join_code, instructor_id, True, True, False,
                  secrets.token_hex(32), writer.time(SEMESTER_START - timedelta(days=20)))],
            )  # fmt: skip
            assignment_ids = list(range(first_assignment, first_assignment + size.assignments))
            due = [
                SEMESTER_START + timedelta(days=5 * (i + 1), hours=15, minutes=59)
                for i in range(size.assignments)
            ]
            writer.insert(
                "assignments",
                ("id", "course_id", "case_id", "position", "due_at", "canvas_assignment_id",
                 "created_at"),
                [(aid, course_id, p.case_id, i, writer.time(due[i]), str(9000 + i),
                  writer.time(SEMESTER_START - timedelta(days=10)))
                 for i, (aid, p) in enumerate(zip(assignment_ids, playables, strict=True))],
            )  # fmt: skip
            writer.insert(
                "enrolments",
                ("course_id", "user_id", "role", "joined_at"),
                [(course_id, instructor_id, "instructor", writer.time(SEMESTER_START))],
            )
        learner_ids = list(range(instructor_id + 1, instructor_id + 1 + size.learners))
        attempt_id = _next_id("attempts")
        choice_id = _next_id("choices")
        for start in range(0, size.learners, BATCH_LEARNERS):
            batch = learner_ids[start : start + BATCH_LEARNERS]
            with db.engine.begin() as conn:
                writer = BulkWriter(conn)
                counts["users"] += writer.insert(
                    "users", USER_COLUMNS, _learner_rows(writer, batch, password_hash, tag)
                )
                writer.insert(
                    "enrolments",
                    ("course_id", "user_id", "role", "joined_at"),
                    [(course_id, uid, "resident", writer.time(SEMESTER_START)) for uid in batch],
                )
                attempts, choices = [], []
                for uid in batch:
                    skill = rng.uniform(0.3, 0.95)
                    for a, playable in enumerate(playables):
                        for n in range(size.attempts):
                            quality = skill + 0.08 * n + rng.gauss(0, 0.15)
                            walk = playable.walk_for(quality)
                            begun = (
                                due[a]
                                - timedelta(days=rng.uniform(0.3, 9.0))
                                + timedelta(hours=n * rng.uniform(2, 40))
                            )
                            attempts.append(
                                _attempt_row(writer, attempt_id, uid, course_id, playable, walk,
                                             begun)
                            )  # fmt: skip
                            for c in walk.choices:
                                choices.append(
                                    (choice_id, attempt_id, c.step, c.node_id, c.decision,
                                     c.option_code, c.verdict, c.rule, c.points, c.max_points,
                                     c.safety_error, c.pitfalls_json, playable.guideline_version,
                                     writer.time(begun + timedelta(seconds=90 * (c.step + 1))))
                                )  # fmt: skip
                                choice_id += 1
                            attempt_id += 1
                counts["attempts"] += writer.insert("attempts", ATTEMPT_COLUMNS, attempts)
                counts["choices"] += writer.insert("choices", CHOICE_COLUMNS, choices)
            say(
                f"  generated {min(start + BATCH_LEARNERS, size.learners)}/{size.learners} "
                f"learners, {counts['choices']:,} choices ({time.perf_counter() - started:.0f} s)"
            )
        with db.engine.begin() as conn:
            BulkWriter(conn).finish(("users", "courses", "assignments", "attempts", "choices"))
        with db.engine.begin() as conn:
            # The bulk insert bypasses the ORM that keeps best_attempts: fill it as a
            # course's own play would have.
            counts["best_attempts"] = rebuild_best_attempts(conn, course_id)
        if db.engine.dialect.name == "postgresql":
            # What autovacuum would have done by the time a course is this big; and the
            # checkpoint the server would long since have made of the bulk load, which
            # otherwise writes it out during the load runs and stalls their commits.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
                _checkpoint(conn, say)
        counts["users"] += 1
        return GeneratedCourse(
            size=size,
            course_id=course_id,
            join_code=join_code,
            instructor_id=instructor_id,
            learner_ids=learner_ids,
            assignment_ids=assignment_ids,
            playables=playables,
            counts=counts,
            seconds=time.perf_counter() - started,
        )


def _checkpoint(conn, say: Callable[[str], None]) -> None:
    try:
        conn.exec_driver_sql("CHECKPOINT")
    except DBAPIError as error:  # CHECKPOINT needs a superuser or pg_checkpoint
        say(f"  no CHECKPOINT after the bulk load ({error.orig}); commits may stall on it")


def _interleave(records: Sequence[CaseRecord]) -> list[CaseRecord]:
    cases = [r for r in records if r.kind == "case"]
    quizzes = [r for r in records if r.kind != "case"]
    out: list[CaseRecord] = []
    while cases or quizzes:
        out.extend(cases[:3])
        cases = cases[3:]
        if quizzes:
            out.append(quizzes.pop(0))
    return out


def _next_id(table: str) -> int:
    with db.engine.connect() as conn:
        return conn.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar() + 1


def _learner_rows(
    writer: BulkWriter, ids: Sequence[int], password_hash: str, tag: str
) -> Iterator[tuple]:
    joined = writer.time(SEMESTER_START - timedelta(days=3))
    for uid in ids:
        first, last = FIRST[uid % len(FIRST)], LAST[(uid // len(FIRST)) % len(LAST)]
        yield (uid, f"learner{uid}-{tag}@bench.edu", f"{first} {last}", password_hash,
               "resident", True, joined, 0, f"SIS{uid:07d}", str(100000 + uid))  # fmt: skip


def _attempt_row(writer, attempt_id, user_id, course_id, playable: Playable, walk: Walk, begun, *,
                 status="completed", path_json=None, current=None, points=None, max_points=None):  # fmt: skip
    ended = begun + timedelta(seconds=90 * (len(walk.path) + 1))
    done = status == "completed"
    return (
        attempt_id, user_id, playable.case_id, playable.version_id, course_id, playable.kind,
        "practice", playable.guideline_version, status, False, path_json or walk.path_json,
        current or walk.final_node, walk.points if points is None else points,
        walk.max_points if max_points is None else max_points, writer.time(begun),
        writer.time(ended if done else begun), writer.time(ended) if done else None,
        2 if done else 1,
    )  # fmt: skip


# --- open attempts for the request benchmark --------------------------------------------------


@dataclass(frozen=True)
class OpenAttempt:
    """An attempt in progress, waiting at a case decision: one new decision to submit."""

    attempt_id: int
    user_id: int
    step: int
    option_code: str


def open_attempts(
    app: Flask, course: GeneratedCourse, count: int, seed: int = 7
) -> list[OpenAttempt]:
    """Insert ``count`` attempts in progress, each waiting at a decision of a case.

    Each sits somewhere along one of the case's walks, with the choices before it stored,
    as a learner in the middle of a case would. Learners are spread so no learner has two
    open attempts at the same case while there are enough learners for that.
    """
    rng = random.Random(seed)
    cases = [p for p in course.playables if p.kind == "case"]
    waiting: list[OpenAttempt] = []
    now = datetime(2026, 6, 1, 9, 0)
    with app.app_context():
        attempt_id = _next_id("attempts")
        choice_id = _next_id("choices")
        with db.engine.begin() as conn:
            writer = BulkWriter(conn)
            attempts, choices = [], []
            for n in range(count):
                playable = cases[n % len(cases)]
                user_id = course.learner_ids[(n // len(cases)) % len(course.learner_ids)]
                walk = rng.choice([w for w in playable.walks if w.choices])
                k = rng.randrange(len(walk.choices))
                at = walk.choices[k]
                path = [list(entry) for entry in walk.path[: at.step + 1]]
                path[-1][1] = None
                earlier = walk.choices[:k]
                attempts.append(
                    _attempt_row(
                        writer, attempt_id, user_id, course.course_id, playable, walk, now,
                        status="in_progress", path_json=json.dumps(path), current=at.node_id,
                        points=sum(c.points for c in earlier),
                        max_points=sum(c.max_points for c in earlier),
                    )
                )  # fmt: skip
                for c in earlier:
                    choices.append(
                        (choice_id, attempt_id, c.step, c.node_id, c.decision, c.option_code,
                         c.verdict, c.rule, c.points, c.max_points, c.safety_error,
                         c.pitfalls_json, playable.guideline_version,
                         writer.time(now + timedelta(seconds=c.step)))
                    )  # fmt: skip
                    choice_id += 1
                node = playable.document.nodes[at.node_id]
                option = rng.choice(node.options).code
                waiting.append(OpenAttempt(attempt_id, user_id, at.step, option))
                attempt_id += 1
            writer.insert("attempts", ATTEMPT_COLUMNS, attempts)
            writer.insert("choices", CHOICE_COLUMNS, choices)
        with db.engine.begin() as conn:
            BulkWriter(conn).finish(("attempts", "choices"))
    return waiting


def completed_attempt_ids(
    app: Flask, course: GeneratedCourse, count: int, kind: str = "case"
) -> list[tuple[int, int]]:
    """Return up to ``count`` (attempt id, user id) of completed attempts, for debriefs."""
    with app.app_context():
        rows = db.session.execute(
            text(
                "SELECT id, user_id FROM attempts WHERE course_id = :c AND status = 'completed' "
                "AND kind = :k ORDER BY id LIMIT :n"
            ),
            {"c": course.course_id, "k": kind, "n": count},
        ).all()
        return [(r[0], r[1]) for r in rows]


# --- finding a course generated earlier ------------------------------------------------------


def find_course(app: Flask, size: CourseSize, seed: int = 2026) -> GeneratedCourse | None:
    """Return the course of ``size`` generated earlier in this database, or None."""
    with app.app_context():
        found = inspect(db.engine).has_table("courses")
        db.engine.dispose()
        if not found:
            return None
        course = db.session.scalar(db.select(Course).where(Course.title == size.title))
        if course is None:
            return None
        enrolled = (
            db.session.execute(
                text(
                    "SELECT user_id FROM enrolments WHERE course_id = :c AND role = 'resident' "
                    "ORDER BY user_id"
                ),
                {"c": course.id},
            )
            .scalars()
            .all()
        )
        if len(enrolled) != size.learners:
            return None
        assignments = db.session.execute(
            text("SELECT id, case_id FROM assignments WHERE course_id = :c ORDER BY position"),
            {"c": course.id},
        ).all()
        playables = build_playables([case_id for _, case_id in assignments], seed)
        counts = {
            table: db.session.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()
            for table in ("users", "attempts", "choices")
        }
        return GeneratedCourse(
            size=size,
            course_id=course.id,
            join_code=course.join_code,
            instructor_id=course.owner_id,
            learner_ids=list(enrolled),
            assignment_ids=[a for a, _ in assignments],
            playables=playables,
            counts=counts,
        )
