"""Course standings, the leaderboard page and the streamed gradebook and research exports.

A learner's score on an assignment is the **points** of their best completed, non-preview
attempt at that case or quiz bank made in this course (``attempt.course_id``), not a
percentage: points add up across assignments the way a gradebook does, and the Canvas and
Moodle files carry points with a "points possible" per column. An attempt is late when
``completed_at > due_at``. Ranking and tie-breaks are :func:`edu.scoring.rank_rows`, called
from exactly one place, :func:`standings`.

Memory and speed: each learner's best attempt per assignment is read from
``best_attempts`` (:mod:`edu.models.best_attempts`, kept by the ORM), or picked by the
database with a window function when late attempts do not count; so Python ranks about
learners x assignments rows, and the result is cached per course under the rule
documented on :func:`standings`. Export rows then load learners'
names in batches of :data:`BATCH` in rank order; the research export is one query streamed
as plain tuples, so neither a file nor the full list of users or choices is ever held at
once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import chain
from typing import Final

from flask import current_app
from sqlalchemy import Select, func, or_, select
from sqlalchemy.engine import CursorResult, Row

from edu.exports import (
    Assignment as ExportAssignment,
)
from edu.exports import (
    DecisionRow,
    LeaderboardRow,
    canvas_csv,
    leaderboard_csv,
    leaderboard_json,
    moodle_csv,
    research_csv_tuples,
)
from edu.extensions import db
from edu.models import (
    Assignment,
    Attempt,
    BestAttempt,
    CaseRecord,
    CaseVersion,
    Choice,
    Course,
    Enrolment,
    User,
)
from edu.models._time import utc_text
from edu.models.best_attempts import best_first, counted_attempts
from edu.scoring import (
    AttemptResult,
    LeaderboardInput,
    Page,
    PointsScheme,
    RankedRow,
    paginate,
    pseudonym,
    rank_rows,
)
from edu.services.courses import RESIDENT, assignment_title, course_assignments, membership
from edu.services.prefetch import prefetched

BATCH: Final = 500
# Rows fetched per round trip by the streamed research export.
BATCH_STREAM: Final = 5000
PER_PAGE: Final = 50
EXPORT_KINDS: Final = ("leaderboard", "canvas", "moodle", "research")
# Leaderboard pseudonyms use a key derived from the course secret, so the names other
# residents see cannot be matched against a pseudonymised research export.
_LEADERBOARD_KEY: Final = "leaderboard:"
# Enrolled residents with no counted attempt still get a row; this id never matches one.
_NO_ASSIGNMENT: Final = 0


class UnknownExport(ValueError):
    """An export kind that is not one of :data:`EXPORT_KINDS`."""


@dataclass(frozen=True)
class Standings:
    """The ranked learners of a course and the assignment columns, in course order."""

    assignments: tuple[ExportAssignment, ...]
    ranked: Sequence[RankedRow]

    def index_of(self, learner_id: int) -> int | None:
        """Return the 0-based position of ``learner_id`` in the ranking, or None."""
        for position, row in enumerate(self.ranked):
            if row.learner_id == learner_id:
                return position
        return None


def _canvas_id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _points_possible(course: Course, assignments: Sequence[Assignment]) -> dict[int, float]:
    """Per assignment, the most points any learner was scored out of in this course.

    A branching case's maximum depends on the path taken, so the observed maximum is what
    the best learners were graded against. Before anyone finished, the estimate is the
    number of decisions (or quiz items) times full marks.
    """
    observed = dict(
        db.session.execute(
            select(Assignment.id, func.max(Attempt.max_points))
            .join(
                Attempt,
                (Attempt.case_id == Assignment.case_id)
                & (Attempt.course_id == Assignment.course_id),
            )
            .where(
                Assignment.course_id == course.id,
                Attempt.status == "completed",
                Attempt.preview.is_(False),
            )
            .group_by(Assignment.id)
        ).all()
    )
    full_marks = PointsScheme.with_overrides(course.points_scheme).full_marks
    unobserved = [a.case_id for a in assignments if not observed.get(a.id)]
    metas: dict[int, dict] = {}
    if unobserved:
        # Only the published versions' meta column: never the content or lint report.
        metas = dict(
            db.session.execute(
                select(CaseRecord.id, CaseVersion.meta)
                .join(CaseVersion, CaseVersion.id == CaseRecord.published_version_id)
                .where(CaseRecord.id.in_(unobserved))
            ).all()
        )
    possible = {}
    for assignment in assignments:
        if observed.get(assignment.id):
            possible[assignment.id] = observed[assignment.id]
            continue
        meta = metas.get(assignment.case_id) or {}
        scored = meta.get("decisions") or meta.get("items") or 0
        possible[assignment.id] = scored * full_marks
    return possible


def export_assignments(course: Course) -> tuple[ExportAssignment, ...]:
    """Return the course's assignments as the export writers' columns, in course order."""
    assignments = course_assignments(course)
    possible = _points_possible(course, assignments)
    return tuple(
        ExportAssignment(
            id=a.id,
            title=assignment_title(a),
            points_possible=possible[a.id],
            canvas_id=_canvas_id(a.canvas_assignment_id),
        )
        for a in assignments
    )


def _leaderboard_inputs(course: Course) -> Iterator[LeaderboardInput]:
    """Every enrolled resident, then each resident's best counted attempt per assignment.

    Python receives one row per (learner, assignment) instead of every attempt, in the
    order :func:`edu.scoring.rank_rows` applies, so its result is the same as if it had
    seen every attempt. The best attempts come from ``best_attempts`` (kept by the ORM,
    :mod:`edu.models.best_attempts`), one narrow row per grade, unless the course does not
    count late attempts and has a due time: then which attempt counts depends on the due
    time, and the database picks it from the attempts themselves
    (:func:`_best_on_time_attempts`).
    """
    residents = select(Enrolment.user_id).where(
        Enrolment.course_id == course.id, Enrolment.role == RESIDENT
    )
    for (user_id,) in db.session.execute(residents.execution_options(yield_per=BATCH)):
        yield LeaderboardInput(learner_id=user_id, assignment_id=_NO_ASSIGNMENT)
    if course.late_attempts_count or not _has_due_times(course):
        best = _best_attempts(course)
    else:
        best = _best_on_time_attempts(course)
    # Core rows on the session's connection: no ORM row processing for ~100,000 rows.
    rows = db.session.connection().execute(best.execution_options(yield_per=BATCH_STREAM))
    for user_id, assignment_id, due_at, points, max_points, completed_at in _streamed(rows):
        late = due_at is not None and completed_at > due_at
        result = AttemptResult(
            score=points, max_score=max_points, completed_at=completed_at, late=late
        )
        yield LeaderboardInput(learner_id=user_id, assignment_id=assignment_id, attempts=(result,))


def _has_due_times(course: Course) -> bool:
    return db.session.scalar(
        select(
            select(Assignment.id)
            .where(Assignment.course_id == course.id, Assignment.due_at.is_not(None))
            .exists()
        )
    )


def _resident(course_id, user_id):
    return (
        (Enrolment.course_id == course_id)
        & (Enrolment.user_id == user_id)
        & (Enrolment.role == RESIDENT)
    )


def _best_attempts(course: Course) -> Select:
    """Each resident's best attempt per assignment, from ``best_attempts``, late or not."""
    return (
        select(
            BestAttempt.user_id,
            Assignment.id,
            Assignment.due_at,
            BestAttempt.points,
            BestAttempt.max_points,
            BestAttempt.completed_at,
        )
        .join(
            Assignment,
            (Assignment.course_id == BestAttempt.course_id)
            & (Assignment.case_id == BestAttempt.case_id),
        )
        .join(Enrolment, _resident(BestAttempt.course_id, BestAttempt.user_id))
        .where(BestAttempt.course_id == course.id)
    )


def _best_on_time_attempts(course: Course) -> Select:
    """Each resident's best attempt per assignment among those completed by its due time.

    ``ROW_NUMBER()`` over learner and assignment, by points, then the earlier completion,
    then the attempt id: the order of ``best_attempts``, over the on-time attempts only.
    """
    ranked_attempts = (
        select(
            Attempt.user_id.label("user_id"),
            Assignment.id.label("assignment_id"),
            Assignment.due_at.label("due_at"),
            Attempt.points.label("points"),
            Attempt.max_points.label("max_points"),
            Attempt.completed_at.label("completed_at"),
            func.row_number()
            .over(
                partition_by=(Attempt.user_id, Assignment.id),
                order_by=best_first(),
            )
            .label("position"),
        )
        .join(
            Assignment,
            (Assignment.course_id == Attempt.course_id) & (Assignment.case_id == Attempt.case_id),
        )
        .join(Enrolment, _resident(Attempt.course_id, Attempt.user_id))
        .where(
            counted_attempts(),
            Attempt.course_id == course.id,
            or_(Assignment.due_at.is_(None), Attempt.completed_at <= Assignment.due_at),
        )
        .subquery()
    )
    return select(
        ranked_attempts.c.user_id,
        ranked_attempts.c.assignment_id,
        ranked_attempts.c.due_at,
        ranked_attempts.c.points,
        ranked_attempts.c.max_points,
        ranked_attempts.c.completed_at,
    ).where(ranked_attempts.c.position == 1)


def _streamed(result: CursorResult) -> Iterator[Row]:
    """Yield the rows of a streamed (``yield_per``) result, whole batches at a time (a
    server-side cursor read row by row would make a round trip every 100 rows).

    On PostgreSQL the next batch is read in a thread while the caller works on this one
    (:func:`edu.services.prefetch.prefetched`): psycopg waits for a whole batch without
    the GIL. SQLite's driver gives the GIL up and takes it back for every row it steps,
    so there a reading thread only fights the caller for it: a 5,000-learner research
    export ran at about 105,000 rows/s with the thread and 130,000 to 150,000 without.
    """
    batches = result.partitions()
    if result.dialect.name == "sqlite":
        return chain.from_iterable(batches)
    return prefetched(batches)


def _standings_fingerprint(course: Course) -> tuple:
    """Return what the course's standings depend on, in three small aggregate queries."""
    attempts = db.session.execute(
        select(
            func.count(Attempt.id),
            func.max(Attempt.id),
            func.max(Attempt.completed_at),
            func.sum(Attempt.lock_version),
        ).where(
            Attempt.course_id == course.id,
            Attempt.status == "completed",
            Attempt.preview.is_(False),
        )
    ).one()
    residents = db.session.execute(
        select(func.count(), func.sum(Enrolment.user_id)).where(
            Enrolment.course_id == course.id, Enrolment.role == RESIDENT
        )
    ).one()
    assignments = db.session.execute(
        select(
            Assignment.id,
            Assignment.case_id,
            Assignment.position,
            Assignment.due_at,
            Assignment.canvas_assignment_id,
            CaseRecord.slug,
            CaseRecord.published_version_id,
            CaseVersion.title,
        )
        .join(CaseRecord, CaseRecord.id == Assignment.case_id)
        .outerjoin(CaseVersion, CaseVersion.id == CaseRecord.published_version_id)
        .where(Assignment.course_id == course.id)
        .order_by(Assignment.position, Assignment.id)
    ).all()
    settings = (course.late_attempts_count, repr(course.points_scheme))
    return (
        tuple(attempts),
        tuple(residents),
        tuple(tuple(row) for row in assignments),
        settings,
    )


def _standings_cache() -> dict[int, tuple[tuple, Standings]]:
    # One cache per app (so per database): tests and tools that make several apps never
    # share entries. At most one entry per course: a new fingerprint replaces the old one.
    return current_app.extensions.setdefault("edu.gradebook.standings", {})


def standings(course: Course) -> Standings:
    """Return the course's ranked residents: the ONE place a course's ranking is computed.

    Rank by the sum of each learner's best points per assignment; ties go to whoever
    reached their total first; late attempts count only if the course says so. Every
    enrolled resident is ranked, with 0 when nothing counts yet. Instructors are not.

    **Cache rule** (the only one; nothing ever invalidates it by hand): the result is kept
    per app and course, keyed by a fingerprint read on every call
    (:func:`_standings_fingerprint`): over the course's completed, non-preview attempts
    their count, largest id, latest ``completed_at`` and the sum of ``lock_version``;
    the residents' count and id sum; every
    assignment's id, case, position, due time, Canvas id, case slug, published version and
    its title; the course's late policy and points scheme. A newly completed or deleted
    attempt, a re-scored one (the ORM bumps ``lock_version`` on every update), a resident
    joining or leaving, or any change to the assignments or those settings changes the
    fingerprint, so the standings are computed again. Attempts in progress and preview
    attempts do not count for the standings, so they do not touch it either.
    """
    fingerprint = _standings_fingerprint(course)
    cache = _standings_cache()
    cached = cache.get(course.id)
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    assignments = export_assignments(course)
    ranked = rank_rows(_leaderboard_inputs(course), count_late=course.late_attempts_count)
    result = Standings(assignments=assignments, ranked=tuple(ranked))
    cache[course.id] = (fingerprint, result)
    return result


@dataclass(frozen=True)
class BoardRow:
    """One learner's row on the leaderboard page.

    ``name`` is the learner's name, or their pseudonym when ``pseudonymous``;
    ``scores`` follow the assignment columns, ``None`` for no grade.
    """

    learner_id: int
    rank: int
    name: str
    pseudonymous: bool
    is_viewer: bool
    scores: tuple[float | None, ...]
    total: float
    max_total: float
    reached_at: datetime | None


@dataclass(frozen=True)
class LeaderboardPage:
    assignments: tuple[ExportAssignment, ...]
    page: Page[BoardRow]
    viewer_rank: int | None
    viewer_page: int | None
    names_hidden: bool


def leaderboard_pseudonym(course: Course, learner_id: int) -> str:
    """Return the name other residents see for ``learner_id`` when pseudonyms are on."""
    return pseudonym(_LEADERBOARD_KEY + course.secret, learner_id)


def _users(ids: Sequence[int]) -> dict[int, tuple]:
    query = select(User.id, User.name, User.email, User.sis_user_id, User.canvas_user_id).where(
        User.id.in_(ids)
    )
    return {row.id: row for row in db.session.execute(query)}


def leaderboard_page(
    course: Course, viewer: User, *, page: int = 1, per_page: int = PER_PAGE
) -> LeaderboardPage:
    """Return one page of the leaderboard as ``viewer`` may see it.

    Instructors and admins always see names. Residents see their own name and, when the
    course has pseudonyms on, everyone else's pseudonym. Who may open the page at all is
    the caller's check.
    """
    result = standings(course)
    names_hidden = course.pseudonyms and not membership(course, viewer).can_manage
    ranked_page = paginate(result.ranked, page, per_page)
    users = _users([row.learner_id for row in ranked_page.items])
    rows = []
    for row in ranked_page.items:
        is_viewer = row.learner_id == viewer.id
        hidden = names_hidden and not is_viewer
        user = users[row.learner_id]
        rows.append(
            BoardRow(
                learner_id=row.learner_id,
                rank=row.rank,
                name=leaderboard_pseudonym(course, row.learner_id) if hidden else user.name,
                pseudonymous=hidden,
                is_viewer=is_viewer,
                scores=tuple(
                    row.best[a.id].score if a.id in row.best else None for a in result.assignments
                ),
                total=row.total,
                max_total=row.max_total,
                reached_at=row.reached_at,
            )
        )
    position = result.index_of(viewer.id)
    return LeaderboardPage(
        assignments=result.assignments,
        page=Page(
            items=rows,
            number=ranked_page.number,
            per_page=ranked_page.per_page,
            total=ranked_page.total,
        ),
        viewer_rank=result.ranked[position].rank if position is not None else None,
        viewer_page=position // per_page + 1 if position is not None else None,
        names_hidden=names_hidden,
    )


def split_name(name: str) -> tuple[str, str]:
    """Return (first, last) from a stored name: "Doe, Jane" or "Jane Doe"."""
    name = name.strip()
    if "," in name:
        last, first = (part.strip() for part in name.split(",", 1))
        return first, last
    first, _, last = name.rpartition(" ")
    return (first, last) if first else (last, "")


def leaderboard_rows(result: Standings) -> Iterator[LeaderboardRow]:
    """Yield the export writers' rows in rank order, loading learners :data:`BATCH` at a time."""
    for start in range(0, len(result.ranked), BATCH):
        chunk = result.ranked[start : start + BATCH]
        users = _users([row.learner_id for row in chunk])
        for row in chunk:
            user = users[row.learner_id]
            first, last = split_name(user.name)
            yield LeaderboardRow(
                name=user.name,
                email=user.email,
                scores={assignment_id: a.score for assignment_id, a in row.best.items()},
                total=row.total,
                rank=row.rank,
                completed_at=row.reached_at,
                first_name=first,
                last_name=last,
                id_number=user.sis_user_id or "",
                canvas_user_id=_canvas_id(user.canvas_user_id),
            )


def _decision_tuples(course: Course, *, time_as_text: bool = False) -> Iterator[tuple]:
    """Yield the research export's rows as plain tuples, in the fields' order of
    :class:`DecisionRow`: ONE query, ordered by choice id and streamed (``yield_per``: a
    server-side cursor on PostgreSQL, SQLite's own cursor), so the join and the sort run
    once however long the export is, and memory stays at one batch.

    With ``time_as_text``, ``decided_at`` comes as UTC text (:class:`utc_text`), which the
    research CSV cuts into its ISO form: building a datetime per row and formatting it
    again cost about a third of a SQLite export's time."""
    decided_at = utc_text(Choice.decided_at) if time_as_text else Choice.decided_at
    query = (
        select(
            Attempt.user_id,
            User.email,
            CaseRecord.slug,
            CaseVersion.number,
            Choice.guideline_version,
            Choice.decision,
            Choice.option_code,
            Choice.verdict,
            Choice.points,
            decided_at,
        )
        .join(Attempt, Attempt.id == Choice.attempt_id)
        .join(
            Assignment,
            (Assignment.course_id == Attempt.course_id) & (Assignment.case_id == Attempt.case_id),
        )
        .join(
            Enrolment,
            (Enrolment.course_id == Attempt.course_id)
            & (Enrolment.user_id == Attempt.user_id)
            & (Enrolment.role == RESIDENT),
        )
        .join(User, User.id == Attempt.user_id)
        .join(CaseRecord, CaseRecord.id == Attempt.case_id)
        .join(CaseVersion, CaseVersion.id == Attempt.case_version_id)
        .where(Attempt.course_id == course.id, Attempt.preview.is_(False))
        .order_by(Choice.id)
        .execution_options(yield_per=BATCH_STREAM)
    )
    # Core rows (plain tuples) on the session's connection: no ORM row processing.
    result = db.session.connection().execute(query)
    try:
        yield from _streamed(result)
    finally:
        result.close()


def decision_rows(course: Course) -> Iterator[DecisionRow]:
    """Yield every scored choice of the course's residents on its assignments, by choice id.

    Preview attempts are left out; attempts that were never finished are kept, because
    every decision a learner made is research data. One streamed query (see
    :func:`_decision_tuples`); :func:`export_lines` writes the tuples without these objects.
    """
    for row in _decision_tuples(course):
        yield DecisionRow(*row)


def export_lines(course: Course, kind: str, *, pseudonymise: bool = False) -> Iterator[str]:
    """Return the lines of export ``kind`` of ``course``, lazily.

    The standings are computed now, so a database error surfaces before a response has
    started; rows are then produced as the caller reads them.

    Args:
        kind: one of :data:`EXPORT_KINDS`.
        pseudonymise: research only: write each learner's stable pseudonym instead of email.

    Raises:
        UnknownExport: for any other ``kind``.
    """
    if kind == "research":
        secret = course.secret if pseudonymise else None
        rows = _decision_tuples(course, time_as_text=True)
        return research_csv_tuples(rows, secret=secret)
    writers = {"leaderboard": leaderboard_csv, "canvas": canvas_csv, "moodle": moodle_csv}
    if kind not in writers:
        raise UnknownExport(f"unknown export {kind!r}; choose one of: " + ", ".join(EXPORT_KINDS))
    result = standings(course)
    return writers[kind](leaderboard_rows(result), result.assignments)


def leaderboard_json_chunks(course: Course) -> Iterator[str]:
    """Return the leaderboard as a streamed JSON array (:func:`edu.exports.leaderboard_json`)."""
    result = standings(course)
    return leaderboard_json(leaderboard_rows(result), result.assignments)


def export_filename(course: Course, kind: str, extension: str = "csv") -> str:
    """Return an ASCII file name such as ``her2-module-1-canvas.csv``."""
    stem = re.sub(r"[^a-z0-9]+", "-", course.title.lower()).strip("-")[:60].strip("-")
    return f"{stem or 'course'}-{kind}.{extension}"
