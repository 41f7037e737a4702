"""Each learner's best counted attempt per course and case: what the standings read.

The leaderboard counts, per learner and assignment, the best of the learner's completed,
non-preview attempts made in the course: most points, then the earlier completion, then
the lower attempt id. Working that out from ``attempts`` means sorting every attempt of
the course (300,000 at 5,000 learners); this table holds the answer, one row per
(course, learner, case), so the standings read one narrow row per grade instead.

Late attempts are kept here like any other: whether one counts is the course's choice
and depends on the assignment's due time, both of which can change after the attempt.
``edu.services.gradebook`` reads this table when nothing can be late and ranks from the
attempts themselves otherwise.

**Kept by the ORM, never by hand.** After every flush that adds, changes or deletes a
counted attempt (or one that was counted before the flush), :func:`_keep_best_attempts`
works out that (course, learner, case) group again from ``attempts``, in the same
transaction, so the table can never disagree with a committed attempt. An attempt's
course, learner and case are set when it starts and never change. A decision, which
``edu.services.play`` writes without the ORM, offers its attempt itself in the same
transaction (:func:`offer_if_counted`; on PostgreSQL :func:`offer_from`, inside the
decision's one statement). Other code that writes attempts without the ORM
(``bench/generate.py``'s bulk insert) calls :func:`rebuild_best_attempts` afterwards.

**Concurrency.** Two transactions finishing attempts of the same group at once each
upsert the group's best as they see it; the conflict clause keeps the better row, so
neither can overwrite a better attempt the other committed. The row a transaction
replaces unconditionally is only one whose attempt that transaction itself changed
(and so holds locked).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, and_, delete, event, func, inspect, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from edu.extensions import db
from edu.models.attempts import Attempt

COMPLETED = "completed"
# What the leaderboard reads of an attempt, and so what a flush must have changed for the
# group's best to need working out again.
_WATCHED = ("status", "points", "max_points", "completed_at", "preview")
_COLUMNS = ("course_id", "user_id", "case_id", "attempt_id", "points", "max_points", "completed_at")
# Each column's Attempt attribute.
_FIELD_OF = {column: "id" if column == "attempt_id" else column for column in _COLUMNS}

Group = tuple[int, int, int]  # (course_id, user_id, case_id)


class BestAttempt(db.Model):
    """The attempt that counts for a learner on a case in a course (see the module)."""

    __tablename__ = "best_attempts"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    points: Mapped[float]
    max_points: Mapped[float]
    completed_at: Mapped[datetime]


def counted_attempts():
    """The attempts the leaderboard counts (late ones included: see the module)."""
    return and_(
        Attempt.course_id.is_not(None),
        Attempt.status == COMPLETED,
        Attempt.preview.is_(False),
        Attempt.completed_at.is_not(None),
    )


def best_first():
    """The order that picks a group's best attempt: :func:`edu.scoring.rank_rows`' rule."""
    return (Attempt.points.desc(), Attempt.completed_at.asc(), Attempt.id.asc())


def source_columns():
    """The attempt's columns the table keeps, in ``_COLUMNS``' order (``id`` for
    ``attempt_id``)."""
    return (
        Attempt.course_id,
        Attempt.user_id,
        Attempt.case_id,
        Attempt.id,
        Attempt.points,
        Attempt.max_points,
        Attempt.completed_at,
    )


def _insert(dialect: str):
    if dialect == "postgresql":
        return postgresql.insert(BestAttempt)
    if dialect == "sqlite":
        return sqlite.insert(BestAttempt)
    raise NotImplementedError(f"best_attempts upsert on {dialect}")


def _upsert(insert):
    """``insert`` ON CONFLICT: the incoming row replaces the stored one only if it is better
    (so a concurrent transaction's better attempt is never overwritten)."""
    table, new = BestAttempt.__table__, insert.excluded
    better = or_(
        new.points > table.c.points,
        and_(new.points == table.c.points, new.completed_at < table.c.completed_at),
        and_(
            new.points == table.c.points,
            new.completed_at == table.c.completed_at,
            new.attempt_id < table.c.attempt_id,
        ),
    )
    return insert.on_conflict_do_update(
        index_elements=["course_id", "user_id", "case_id"],
        set_={name: new[name] for name in ("attempt_id", "points", "max_points", "completed_at")},
        where=better,
    )


# Per dialect, the upsert of one finished attempt's values: built once, since it runs on
# every finished attempt (constructing it cost more than executing it).
_OFFER: dict[str, object] = {}


def offer(connection: Connection, rows: list[dict]) -> None:
    """Offer newly counted attempts (``_COLUMNS`` dicts): each becomes its group's best if
    it beats the stored one. Enough for an attempt that was not counted before, since the
    stored best can then only be another attempt, unchanged by it."""
    dialect = connection.dialect.name
    statement = _OFFER.get(dialect)
    if statement is None:
        statement = _OFFER[dialect] = _upsert(_insert(dialect))
    connection.execute(statement, rows)


def offer_from(moved) -> postgresql.Insert:
    """PostgreSQL: :func:`offer` as a part of a larger statement, the attempt offered being
    the row that ``moved`` (a CTE of an ``attempts`` update) returns; it must return
    :func:`source_columns`. ``edu.services.play`` writes a decision that finishes a
    counted attempt this way, as one statement with the decision (a round trip, not four)."""
    offered = select(*(moved.c[_FIELD_OF[column]] for column in _COLUMNS))
    return _upsert(postgresql.insert(BestAttempt).from_select(list(_COLUMNS), offered))


def offer_if_counted(connection: Connection, attempt: Attempt) -> None:
    """The upkeep for an attempt written without the ORM (``edu.services.play``'s
    decisions), which the flush listener below never sees: offer it if it now counts.
    Only for an attempt that did not count before the write (one still in progress)."""
    if is_counted(attempt):
        offer(connection, [_row(attempt)])


def refresh_groups(connection: Connection, changed: dict[Group, set[int]]) -> None:
    """Work out the best attempt of each group again; ``changed`` maps a group to the ids
    of its attempts that were counted and that this transaction changed or deleted (a
    re-scored best may have got worse, and another attempt must take its place)."""
    table = BestAttempt.__table__
    for (course_id, user_id, case_id), attempt_ids in changed.items():
        in_group = and_(
            table.c.course_id == course_id,
            table.c.user_id == user_id,
            table.c.case_id == case_id,
        )
        connection.execute(delete(table).where(in_group, table.c.attempt_id.in_(attempt_ids)))
        best = (
            select(*source_columns())
            .where(
                counted_attempts(),
                Attempt.course_id == course_id,
                Attempt.user_id == user_id,
                Attempt.case_id == case_id,
            )
            .order_by(*best_first())
            .limit(1)
        )
        insert = _insert(connection.dialect.name).from_select(list(_COLUMNS), best)
        connection.execute(_upsert(insert))


def rebuild_best_attempts(connection: Connection, course_id: int | None = None) -> int:
    """Recompute the table from ``attempts`` (one course, or all); return the rows written.

    For writers that bypass the ORM, and as the reference the incremental upkeep is tested
    against. The same rule as :func:`refresh_groups`, in one window query.
    """
    table = BestAttempt.__table__
    ranked = select(
        *source_columns(),
        func.row_number()
        .over(
            partition_by=(Attempt.course_id, Attempt.user_id, Attempt.case_id),
            order_by=best_first(),
        )
        .label("position"),
    ).where(counted_attempts())
    removed = delete(table)
    if course_id is not None:
        ranked = ranked.where(Attempt.course_id == course_id)
        removed = removed.where(table.c.course_id == course_id)
    ranked = ranked.subquery()
    connection.execute(removed)
    source = [ranked.c[c.name] for c in source_columns()]
    connection.execute(
        table.insert().from_select(list(_COLUMNS), select(*source).where(ranked.c.position == 1))
    )
    # Counted rather than taken from rowcount, which psycopg leaves at -1 here.
    written = select(func.count()).select_from(table)
    if course_id is not None:
        written = written.where(table.c.course_id == course_id)
    return connection.scalar(written)


# What an attempt needs in order to count, per watched attribute.
_COUNTS_WHEN = {
    "status": lambda value: value == COMPLETED,
    "preview": lambda value: not value,
    "completed_at": lambda value: value is not None,
}


def is_counted(attempt: Attempt) -> bool:
    """Whether the attempt (an ``Attempt`` or a copy with its columns) counts for the
    standings: a course's, completed, not a preview."""
    return attempt.course_id is not None and all(
        counts(getattr(attempt, name)) for name, counts in _COUNTS_WHEN.items()
    )


def _may_have_counted(attempt: Attempt, attrs) -> bool:
    """Whether the attempt may have been counted before this flush (from the attributes'
    history). When an old value was never loaded, it may have: the caller then works the
    group out again, which is right whatever the old value was."""
    if attempt.course_id is None:
        return False
    for name, counts in _COUNTS_WHEN.items():
        history = attrs[name].history
        if history.deleted:
            before = history.deleted[0]
        elif history.added:
            continue  # changed from a value never loaded: unknown
        else:
            before = getattr(attempt, name)
        if not counts(before):
            return False
    return True


def _changes(session: Session) -> tuple[list[dict], dict[Group, set[int]]]:
    """This flush's attempts to offer (newly counted) and groups to work out again."""
    offered: list[dict] = []
    changed: dict[Group, set[int]] = {}

    def recompute(attempt: Attempt) -> None:
        group = (attempt.course_id, attempt.user_id, attempt.case_id)
        changed.setdefault(group, set()).add(attempt.id)

    for attempt in session.new:
        if isinstance(attempt, Attempt) and is_counted(attempt):
            offered.append(_row(attempt))
    for attempt in session.dirty:
        if not isinstance(attempt, Attempt):
            continue
        attrs = inspect(attempt).attrs
        # Attempts in progress (nearly every flush during play) stop here.
        if attempt.status != COMPLETED and COMPLETED not in attrs.status.history.deleted:
            continue
        if not any(attrs[name].history.has_changes() for name in _WATCHED):
            continue
        if _may_have_counted(attempt, attrs):
            recompute(attempt)
        elif is_counted(attempt):
            offered.append(_row(attempt))
    for attempt in session.deleted:
        if isinstance(attempt, Attempt) and attempt.course_id is not None:
            recompute(attempt)
    return offered, changed


@event.listens_for(Session, "after_flush")
def _keep_best_attempts(session: Session, _flush_context) -> None:
    """Bring ``best_attempts`` up to date with the attempts this flush wrote (module doc)."""
    offered, changed = _changes(session)
    if offered:
        offer(session.connection(), offered)
    if changed:
        refresh_groups(session.connection(), changed)


def _row(attempt: Attempt) -> dict:
    return {column: getattr(attempt, field) for column, field in _FIELD_OF.items()}
