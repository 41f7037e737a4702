"""Playing a case or a quiz bank: start or resume an attempt, move on, decide exactly once.

A choice is stored the moment it is made, with the case version and the guideline
version it was scored under. The database, not this code, guarantees that a replayed,
doubled or concurrent submission is stored once: ``choices`` has a unique
(attempt, step) pair and ``attempts`` an optimistic lock column. When either refuses a
write we roll back and answer with what is already stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from functools import cache, partial
from types import MappingProxyType

from sqlalchemy import and_, bindparam, insert, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import undefer
from sqlalchemy.orm.exc import StaleDataError

from edu.cases import Case, QuizBank, state_on_path
from edu.extensions import db, session_has_begun
from edu.guideline import VERDICTS, Guideline, Judgement
from edu.models import Attempt, CaseRecord, CaseVersion, Choice, User, best_attempts
from edu.models._time import utcnow
from edu.models.users import SignedInUser
from edu.scoring import score_judgement, score_quiz_answer
from edu.services.accounts import signed_in_columns
from edu.services.content import parsed, parsed_by_id
from edu.services.guidelines import current_library
from edu.services.memo import BoundedCache
from edu.services.prepared import PreparedSelect, PreparedWrite, writing

QUIZ_END = "__end__"
QUIZ_DECISION = "quiz"


class PlayError(Exception):
    """The request cannot be carried out; the message says why in the learner's words."""


class NotPlayable(PlayError):
    pass


class AttemptNotFound(PlayError):
    pass


class InvalidChoice(PlayError):
    pass


@dataclass(frozen=True)
class DecisionOutcome:
    """What happened to a submitted choice: ``recorded`` is False for a replay.

    ``attempt`` is a read-only copy of the attempt as it stands after the decision, and
    ``choice`` the choice stored at that step (this one, or the one stored before it).
    """

    choice: ShownChoice
    recorded: bool
    attempt: ShownAttempt


# --- starting and resuming ----------------------------------------------------------------


def start_attempt(
    user_id: int,
    case: CaseRecord,
    *,
    course_id: int | None = None,
    preview: bool = False,
    version: CaseVersion | None = None,
    restart: bool = False,
    mode: str = "practice",
) -> Attempt:
    """Return the learner's open attempt at ``case``, or a new one.

    A new attempt plays the published version (``version`` only for an author's preview)
    and pins the guideline version it is scored under, so a guideline update never
    changes the rules in the middle of an attempt.

    :raises NotPlayable: the case has no published version, or its guideline is unknown.
    """
    open_attempt = _open_attempt(user_id, case.id, course_id, preview)
    if (
        open_attempt is not None
        and not restart
        and (version is None or open_attempt.case_version_id == version.id)
    ):
        return open_attempt
    if open_attempt is not None:
        open_attempt.status = "abandoned"
    if version is None:
        version = case.published_version
    if version is None or (not preview and not version.lint_ok):
        raise NotPlayable("This case is not published yet.")
    document = parsed(version)
    try:
        guideline = current_library().get(document.guideline or None)
    except ValueError as error:
        raise NotPlayable(f"This case cannot be scored: {error}") from error
    first = document.start if isinstance(document, Case) else _first_item(document)
    attempt = Attempt(
        user_id=user_id,
        case_id=case.id,
        case_version_id=version.id,
        course_id=course_id,
        kind=document.kind,
        mode=mode if document.kind == "quiz" else "practice",
        guideline_version=guideline.version,
        preview=preview,
        path=[[first, None]],
        current_node=first,
    )
    if attempt.mode == "timed":
        minutes = document.minutes or max(1, len(document.items))
        attempt.deadline_at = utcnow() + timedelta(minutes=minutes)
    db.session.add(attempt)
    db.session.commit()
    return attempt


def _open_attempt(
    user_id: int, case_id: int, course_id: int | None, preview: bool
) -> Attempt | None:
    query = select(Attempt).where(
        Attempt.user_id == user_id,
        Attempt.case_id == case_id,
        Attempt.status == "in_progress",
        Attempt.preview == preview,
        Attempt.course_id.is_(None) if course_id is None else Attempt.course_id == course_id,
    )
    return db.session.scalars(query.order_by(Attempt.id.desc())).first()


def latest_open_attempt(user_id: int, case_id: int) -> Attempt | None:
    """The learner's most recent unfinished, scored attempt at a case, in any course."""
    query = select(Attempt).where(
        Attempt.user_id == user_id,
        Attempt.case_id == case_id,
        Attempt.status == "in_progress",
        Attempt.preview.is_(False),
    )
    return db.session.scalars(query.order_by(Attempt.updated_at.desc(), Attempt.id.desc())).first()


def _first_item(bank: QuizBank) -> str:
    if not bank.items:
        raise NotPlayable("This quiz bank has no questions.")
    return bank.items[0].id


def get_attempt(attempt_id: int, user_id: int) -> Attempt:
    """Return the learner's own attempt; anyone else's is reported as missing.

    :raises AttemptNotFound: no attempt with that id belongs to ``user_id``.
    """
    # One SELECT: the attempt with its version's content hash, its case's slug and its
    # course's points scheme, which the play pages need (the parsed document is cached by
    # that hash). An attempt this request already loaded is taken from the session as it
    # is, without a query.
    attempt = db.session.identity_map.get(db.session.identity_key(Attempt, attempt_id))
    if attempt is None or "version_hash" not in attempt.__dict__:
        attempt = db.session.scalars(_attempt_for_play(), {"attempt_id": attempt_id}).first()
    if attempt is None or attempt.user_id != user_id:
        raise AttemptNotFound("There is no such attempt.")
    return attempt


@cache
def _attempt_for_play():
    # Built once: constructing the statement and its loader options costs more than
    # running it from SQLAlchemy's compiled cache.
    return (
        select(Attempt)
        .options(
            undefer(Attempt.version_hash),
            undefer(Attempt.case_slug),
            undefer(Attempt.course_points_scheme),
        )
        .where(Attempt.id == bindparam("attempt_id"))
    )


@dataclass(frozen=True, slots=True)
class ChoiceSnapshot:
    """A stored choice as the read-only pages show it (see :class:`AttemptSnapshot`)."""

    id: int
    attempt_id: int
    step: int
    node_id: str
    decision: str
    option_code: str
    verdict: str
    rule: str
    points: float
    max_points: float
    safety_error: bool
    pitfalls: list
    guideline_version: str
    decided_at: datetime


@dataclass(frozen=True, slots=True)
class AttemptSnapshot:
    """A read-only copy of an attempt, for the pages that only show it (node, feedback,
    debrief): the row, the facts ``get_attempt`` loads with it, and its choices when asked
    for. Read with Core statements, since building the ORM object was a good part of a node
    page's cost; anything that changes an attempt loads the ORM ``Attempt`` instead."""

    id: int
    user_id: int
    case_id: int
    case_version_id: int
    course_id: int | None
    kind: str
    mode: str
    guideline_version: str
    status: str
    preview: bool
    path: list
    current_node: str
    points: float
    max_points: float
    started_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    deadline_at: datetime | None
    lock_version: int
    version_hash: str
    case_slug: str
    course_points_scheme: dict | None
    choices: tuple[ChoiceSnapshot, ...] = ()


# What the read-side functions below accept: they only read an attempt's attributes.
ShownAttempt = Attempt | AttemptSnapshot
ShownChoice = Choice | ChoiceSnapshot


def read_attempt(attempt_id: int, user_id: int, *, with_choices: bool = False) -> AttemptSnapshot:
    """Return a read-only copy of the learner's own attempt (with its choices, in step
    order, if ``with_choices``); anyone else's is reported as missing.

    :raises AttemptNotFound: no attempt with that id belongs to ``user_id``.
    """
    row = db.session.connection().execute(_snapshot_query(), {"attempt_id": attempt_id}).first()
    if row is None or row.user_id != user_id:
        raise AttemptNotFound("There is no such attempt.")
    attempt = AttemptSnapshot(*row)
    return attempt_with_choices(attempt) if with_choices else attempt


def read_attempt_with_user(
    attempt_id: int, user_id: int
) -> tuple[SignedInUser | None, AttemptSnapshot | None]:
    """The signed-in account (as ``accounts.signed_in_user`` reads it) and, in the same
    query, a read-only copy of its attempt ``attempt_id`` (without choices).

    The pages about one attempt need both, and each query is a round trip to PostgreSQL.
    Gives ``(None, None)`` when there is no such user and ``(user, None)`` when there is
    no such attempt of theirs.
    """
    width = _user_and_snapshot_query()[1]
    row = _USER_AND_SNAPSHOT.first(user_id=user_id, attempt_id=attempt_id)
    if row is None:
        return None, None
    user = SignedInUser(*row[:width])
    return user, None if row[width] is None else AttemptSnapshot(*row[width:])


def attempt_with_choices(attempt: AttemptSnapshot) -> AttemptSnapshot:
    """``attempt`` with its choices read, in step order."""
    rows = db.session.connection().execute(_choices_query(), {"attempt_id": attempt.id})
    return replace(attempt, choices=tuple(ChoiceSnapshot(*choice) for choice in rows))


@cache
def _user_and_snapshot_query():
    # The user's columns, then the snapshot's, from the user LEFT JOIN their attempt (the
    # join's condition names the owner, so someone else's attempt reads as none). Built once.
    users, attempts = User.__table__, Attempt.__table__
    user_columns = signed_in_columns().selected_columns
    query = (
        select(*user_columns, *_snapshot_query().selected_columns)
        .select_from(
            users.outerjoin(
                attempts,
                and_(attempts.c.id == bindparam("attempt_id"), attempts.c.user_id == users.c.id),
            )
        )
        .where(users.c.id == bindparam("user_id"))
    )
    return query, len(user_columns)


# Read on every node page, feedback, debrief and decision: on the driver's cursor (see
# edu.services.prepared).
_USER_AND_SNAPSHOT = PreparedSelect(lambda: _user_and_snapshot_query()[0])


@cache
def _snapshot_query():
    # The table's columns in the dataclass's order, then the three facts ``get_attempt``
    # undefers, as the same scalar subqueries. Built once.
    table, mapper = Attempt.__table__, inspect(Attempt)
    facts = [
        mapper.column_attrs[name].expression.label(name)
        for name in ("version_hash", "case_slug", "course_points_scheme")
    ]
    columns = [table.c[f.name] for f in fields(AttemptSnapshot)[: -len(facts) - 1]]
    return select(*columns, *facts).where(table.c.id == bindparam("attempt_id"))


@cache
def _choices_query():
    table = Choice.__table__
    columns = [table.c[f.name] for f in fields(ChoiceSnapshot)]
    return (
        select(*columns)
        .where(table.c.attempt_id == bindparam("attempt_id"))
        .order_by(table.c.step)
    )


def document_of(attempt: ShownAttempt) -> Case | QuizBank:
    """The attempt's parsed case or quiz bank (its Markdown is read only on a cache miss)."""
    return parsed_by_id(attempt.case_version_id, attempt.version_hash)


def guideline_of(attempt: ShownAttempt) -> Guideline:
    return current_library().get(attempt.guideline_version)


# --- moving on and deciding -----------------------------------------------------------------


def current_step(attempt: ShownAttempt) -> int:
    """The index in ``attempt.path`` of the node the learner is at."""
    return len(attempt.path) - 1


def advance(attempt_id: int, user_id: int, step: int) -> Attempt:
    """Move past the narrative node at ``step``; a replay of an old step changes nothing."""
    attempt = get_attempt(attempt_id, user_id)
    _expire_if_late(attempt)
    if attempt.status != "in_progress" or step != current_step(attempt):
        return attempt
    document = document_of(attempt)
    if not isinstance(document, Case):
        return attempt
    node = document.nodes[attempt.current_node]
    if node.kind != "narrative" or node.next is None:
        return attempt
    _move_to(attempt, document, [*attempt.path, [node.next, None]])
    return _commit_or_reload(attempt)


def decide(
    attempt_id: int,
    user_id: int,
    step: int,
    option_code: str,
    *,
    read: AttemptSnapshot | None = None,
) -> DecisionOutcome:
    """Score and store the choice at ``step`` exactly once.

    A second submission for the same step (back button, double tap, two tabs, a replayed
    request) stores nothing and returns the choice already stored.

    The attempt is read as a copy and written with Core statements (``_store_decision``):
    a decision is edu's hottest write, and loading and flushing ORM objects was over a
    tenth of it. An ``Attempt`` this session holds is never left stale: the write commits
    the session's transaction when one has begun, and otherwise runs in its own.
    ``read`` is the attempt as this transaction has already read it (the decision page
    reads it with the user: ``read_attempt_with_user``); without it, it is read here. Its
    ``lock_version`` is what the write checks, so an older copy can only be refused.

    :raises AttemptNotFound: no attempt with that id belongs to ``user_id``.
    :raises InvalidChoice: the step is not a decision the learner is at, or the option is
        not offered there.
    """
    if read is not None and read.id == attempt_id and read.user_id == user_id:
        attempt = read
    else:
        attempt = read_attempt(attempt_id, user_id)
    # The path records every answered step, so only an earlier step can have a stored
    # choice: a new decision needs no query to know it is new (a concurrent twin is still
    # caught below, by the database).
    if 0 <= step < current_step(attempt) and attempt.path[step][1] is not None:
        existing = _choice_at(attempt.id, step)
        if existing is not None:
            return DecisionOutcome(existing, recorded=False, attempt=attempt)
    if _past_deadline(attempt):
        _expire_if_late(get_attempt(attempt_id, user_id))  # rare: the ORM path closes it
        raise InvalidChoice("This attempt is finished; start a new one to play again.")
    if attempt.status != "in_progress":
        raise InvalidChoice("This attempt is finished; start a new one to play again.")
    if step != current_step(attempt):
        raise InvalidChoice("This question is no longer the current one.")
    document = document_of(attempt)
    if isinstance(document, Case):
        choice, next_path = _score_case_choice(attempt, document, step, option_code)
    else:
        choice, next_path = _score_quiz_answer(attempt, document, step, option_code)
    try:
        stored, moved = _store_decision(attempt, document, choice, next_path)
    except (IntegrityError, StaleDataError):
        # Someone else stored this step first; theirs is the one that counts.
        db.session.rollback()
        existing = _choice_at(attempt.id, step)
        if existing is None:
            raise
        return DecisionOutcome(existing, recorded=False, attempt=read_attempt(attempt_id, user_id))
    return DecisionOutcome(stored, recorded=True, attempt=moved)


def _score_case_choice(
    attempt: AttemptSnapshot, case: Case, step: int, code: str
) -> tuple[dict, list]:
    """The choice's column values (all but its id) and the path it leads the attempt on."""
    node = case.nodes[attempt.current_node]
    option = node.option(code) if node.kind == "decision" else None
    if option is None:
        raise InvalidChoice("Choose one of the options offered.")
    judged = judged_at(attempt, case, attempt.path)
    judgement = judged.judgements[code]
    score = score_judgement(
        judgement.verdict,
        _points_scheme(attempt),
        pitfalls=judgement.pitfalls,
        best_available=judged.best_available,
    )
    choice = {
        "attempt_id": attempt.id,
        "step": step,
        "node_id": node.id,
        "decision": node.decision,
        "option_code": code,
        "verdict": judgement.verdict,
        "rule": judgement.rule,
        "points": score.points,
        "max_points": score.max_points,
        "safety_error": score.safety_error,
        "pitfalls": list(judgement.pitfalls),
        "guideline_version": attempt.guideline_version,
    }
    path = [list(entry) for entry in attempt.path]
    path[-1][1] = code
    path.append([option.target, None])
    return choice, path


def _score_quiz_answer(
    attempt: AttemptSnapshot, bank: QuizBank, step: int, letter: str
) -> tuple[dict, list]:
    """As ``_score_case_choice``, for an answer to a quiz item."""
    item = next(i for i in bank.items if i.id == attempt.current_node)
    if item.choice(letter) is None:
        raise InvalidChoice("Choose one of the answers offered.")
    correct = letter == item.answer
    score = score_quiz_answer(correct, _points_scheme(attempt), pitfalls=item.pitfalls)
    choice = {
        "attempt_id": attempt.id,
        "step": step,
        "node_id": item.id,
        "decision": QUIZ_DECISION,
        "option_code": letter,
        "verdict": "correct" if correct else "incorrect",
        "rule": "",
        "points": score.points,
        "max_points": score.max_points,
        "safety_error": False,
        "pitfalls": list(score.pitfalls),
        "guideline_version": attempt.guideline_version,
    }
    ids = [i.id for i in bank.items]
    position = ids.index(item.id)
    following = ids[position + 1] if position + 1 < len(ids) else QUIZ_END
    path = [list(entry) for entry in attempt.path]
    path[-1][1] = letter
    path.append([following, None])
    return choice, path


def _moved(document: Case | QuizBank, path: list) -> dict:
    """The attempt's new column values once it follows ``path``: where it is, and whether
    that is the end."""
    now = utcnow()
    current = path[-1][0]
    changes = {"path": path, "current_node": current, "updated_at": now}
    finished = (
        current == QUIZ_END
        if isinstance(document, QuizBank)
        else document.nodes[current].kind == "ending"
    )
    if finished:
        changes.update(status="completed", completed_at=now)
    return changes


def _move_to(attempt: Attempt, document: Case | QuizBank, path: list) -> None:
    for name, value in _moved(document, path).items():
        setattr(attempt, name, value)


def _store_decision(
    attempt: AttemptSnapshot, document: Case | QuizBank, choice: dict, path: list
) -> tuple[ChoiceSnapshot, AttemptSnapshot]:
    """Insert ``choice`` and move ``attempt`` along ``path`` in one transaction; return the
    stored choice and the attempt as it now stands.

    Core statements, with by hand the two things the ORM's unit of work did: the
    optimistic lock (``lock_version`` must still be the one read, else ``StaleDataError``
    as the ORM raises it) and the ``best_attempts`` upkeep of an attempt this decision
    finishes. On PostgreSQL the update, the insert and that upkeep are one statement (one
    round trip for the hottest write): the choice is inserted, and the attempt offered to
    ``best_attempts``, only if the update matched.

    Where it runs: in the request's session transaction when one has begun (the write then
    sees what the request read and wrote, and commits it, expiring the session's objects as
    any commit does); otherwise in a transaction of its own (``prepared.writing``), without
    the session's bookkeeping (a twentieth of a decision), on the connection the request's
    read of the attempt took when it shares one (``prepared.sharing_a_connection``), so a
    decision takes one connection from the pool, not two. On PostgreSQL every decision is
    that single statement, atomic by itself, so it runs in autocommit mode: no ``BEGIN``
    and no ``COMMIT``, two round trips fewer.

    :raises IntegrityError: this step's choice is already stored (a concurrent twin).
    :raises StaleDataError: another request moved the attempt on first.
    """
    changes = {"status": attempt.status, "completed_at": attempt.completed_at}
    changes.update(_moved(document, path))
    changes["points"] = (attempt.points or 0) + choice["points"]
    changes["max_points"] = (attempt.max_points or 0) + choice["max_points"]
    changes["lock_version"] = attempt.lock_version + 1
    values = {**choice, "decided_at": changes["updated_at"]}
    now = replace(attempt, **changes)
    if session_has_begun():
        choice_id = _write_decision(db.session.connection(), attempt, changes, values, now)
        db.session.commit()
    else:
        # Every decision is one statement on PostgreSQL (_write_decision), run in
        # autocommit mode; on SQLite the flag changes nothing: its two or three statements
        # share a transaction.
        with writing(single_statement=True) as connection:
            choice_id = _write_decision(connection, attempt, changes, values, now)
    return ChoiceSnapshot(id=choice_id, **values), now


def _write_decision(
    connection, attempt: AttemptSnapshot, changes: dict, values: dict, now: AttemptSnapshot
) -> int:
    """Write a decision on ``connection``, in whatever transaction it is in; the choice's
    id. ``attempt`` is the copy read, whose ``lock_version`` the write expects. The
    statements run on the driver's cursor (``edu.services.prepared.PreparedWrite``):
    SQLAlchemy's execution of them was a seventh of a decision."""
    lock = {"b_id": attempt.id, "b_version": attempt.lock_version}
    postgres = connection.dialect.name == "postgresql"
    if postgres:
        prefixed = {f"c_{k}": v for k, v in values.items()}
        # The best_attempts upkeep of a decision that makes the attempt count goes in the
        # same statement.
        write = _MOVE_INSERT_AND_OFFER if best_attempts.is_counted(now) else _MOVE_THEN_INSERT
        returned = write.run(connection, {**changes, **lock, **prefixed}).returned
        choice_id = None if returned is None else returned[0]
        moved = choice_id is not None
    else:
        choice_id = _INSERT_CHOICE.run(connection, values).lastrowid
        moved = _MOVE_ATTEMPT.run(connection, {**changes, **lock}).rowcount == 1
    if not moved:
        raise StaleDataError(f"attempt {attempt.id} was moved on by another request")
    if not postgres:
        best_attempts.offer_if_counted(connection, now)
    return choice_id


# What a decision writes: the attempt's columns it sets, and the choice's (all but the id).
# Every one is set by the statements below: they run without SQLAlchemy's column defaults.
_MOVED_COLUMNS = (
    "path", "current_node", "updated_at", "status", "completed_at", "points", "max_points",
    "lock_version",
)  # fmt: skip
_CHOICE_COLUMNS = tuple(f.name for f in fields(ChoiceSnapshot) if f.name != "id")


def _move_then_insert(offer: bool = False):
    # PostgreSQL: WITH moved AS (UPDATE attempts ... WHERE id AND lock_version RETURNING id)
    # INSERT INTO choices SELECT <the choice's values> FROM moved RETURNING choices.id: no
    # row when the attempt had moved on, and then nothing was written. The choice's
    # parameters are prefixed (both tables have points and max_points). With ``offer``,
    # moved returns what best_attempts keeps of the attempt and a second CTE upserts it
    # there (best_attempts.offer_from), in the same statement.
    attempts, choices = Attempt.__table__, Choice.__table__
    returned = best_attempts.source_columns() if offer else (attempts.c.id,)
    moved = (
        update(attempts)
        .where(
            attempts.c.id == bindparam("b_id"), attempts.c.lock_version == bindparam("b_version")
        )
        .values({attempts.c[n]: bindparam(n, type_=attempts.c[n].type) for n in _MOVED_COLUMNS})
        .returning(*returned)
        .cte("moved")
    )
    chosen = select(
        *(bindparam(f"c_{n}", type_=choices.c[n].type) for n in _CHOICE_COLUMNS)
    ).select_from(moved)
    statement = (
        insert(choices)
        .from_select(list(_CHOICE_COLUMNS), chosen)
        .returning(choices.c.id)
        .add_cte(moved)
    )
    if offer:
        statement = statement.add_cte(best_attempts.offer_from(moved).cte("offered"))
    return statement


def _insert_choice():
    choices = Choice.__table__
    return insert(choices).values(
        {choices.c[n]: bindparam(n, type_=choices.c[n].type) for n in _CHOICE_COLUMNS}
    )


def _move_attempt():
    table = Attempt.__table__
    return (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.lock_version == bindparam("b_version"))
        .values({table.c[n]: bindparam(n, type_=table.c[n].type) for n in _MOVED_COLUMNS})
    )


_MOVE_THEN_INSERT = PreparedWrite(_move_then_insert)
_MOVE_INSERT_AND_OFFER = PreparedWrite(partial(_move_then_insert, offer=True))
_INSERT_CHOICE = PreparedWrite(_insert_choice)
_MOVE_ATTEMPT = PreparedWrite(_move_attempt)


def _commit_or_reload(attempt: Attempt) -> Attempt:
    try:
        db.session.commit()
    except StaleDataError:
        # A concurrent request moved the attempt on first: show where it is now.
        db.session.rollback()
        db.session.refresh(attempt)
    return attempt


def _past_deadline(attempt: ShownAttempt) -> bool:
    return bool(
        attempt.status == "in_progress" and attempt.deadline_at and utcnow() > attempt.deadline_at
    )


def _expire_if_late(attempt: Attempt) -> None:
    """Close a timed quiz whose time is up; unanswered items simply score nothing."""
    if _past_deadline(attempt):
        attempt.status = "completed"
        attempt.completed_at = attempt.deadline_at
        _commit_or_reload(attempt)


def _choice_at(attempt_id: int, step: int) -> Choice | None:
    # Usually there is none (a new decision): ask for the id with a Core select on the
    # session's connection (same transaction) and build the ORM object only when one exists.
    # Callers have nothing pending to flush at this point.
    choice_id = db.session.connection().scalar(
        select(Choice.id).where(Choice.attempt_id == attempt_id, Choice.step == step)
    )
    return None if choice_id is None else db.session.get(Choice, choice_id)


def _points_scheme(attempt: ShownAttempt):
    # Loaded with the attempt by get_attempt (one query for both).
    return None if attempt.course_id is None else attempt.course_points_scheme


def abandon(attempt_id: int, user_id: int) -> Attempt:
    """Mark an open attempt abandoned so the learner can start again from the beginning."""
    attempt = get_attempt(attempt_id, user_id)
    if attempt.status == "in_progress":
        attempt.status = "abandoned"
        _commit_or_reload(attempt)
    return attempt


# --- judging -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Judged:
    """The guideline's view of one decision on one path, from a single evaluation.

    ``judgements`` are those of the options the node offers, by code; ``best_available``
    is the best verdict of ANY code of the decision kind (see ``best_available_verdict``).
    """

    guideline: Guideline
    judgements: Mapping[str, Judgement]
    best_available: str


# Judging is pure: the same guideline, case content and path always give the same result,
# so decide, the feedback page and the debrief share one evaluation per decision. The
# guideline object is kept in the value and compared on a hit, so a rules file edited in
# development (which reloads the library under the same version name) is never served a
# stale judgement.
_JUDGED: BoundedCache[Judged] = BoundedCache(2048)


def judged_at(attempt: ShownAttempt, case: Case, path: list) -> Judged:
    """Return the judgements and best available verdict at the decision ending ``path``."""
    guideline = guideline_of(attempt)
    key = (
        guideline.version,
        case.content_hash,
        tuple((entry[0], entry[1]) for entry in path[:-1]),
        path[-1][0],
    )
    hit = _JUDGED.get(key)
    if hit is not None and hit.guideline is guideline:
        return hit
    return _JUDGED.put(key, _judge(guideline, case, path))


def clear_judgement_cache() -> None:
    _JUDGED.clear()


def _judge(guideline: Guideline, case: Case, path: list) -> Judged:
    node = case.nodes[path[-1][0]]
    state = _state_at(case, path)
    offered = [option.code for option in node.options]
    seen = set(offered)
    # The offered codes first (checked as before: an unknown one still raises), then the
    # rest of the kind's codes, so one evaluation answers both questions. Each code is
    # judged independently of the others, so the result is that of separate evaluations.
    codes = offered + [code for code in guideline.codes(node.decision) if code not in seen]
    evaluation = guideline.evaluate(node.decision, state.engine_patient(), codes)
    judgements = evaluation.judgements
    verdicts = {judgement.verdict for judgement in judgements}
    return Judged(
        guideline=guideline,
        judgements=MappingProxyType(
            {judgement.code: judgement for judgement in judgements[: len(offered)]}
        ),
        best_available=next(verdict for verdict in VERDICTS if verdict in verdicts),
    )


def best_available_verdict(attempt: ShownAttempt, case: Case, path: list) -> str:
    """The best verdict the guideline gives ANY option of this decision for this patient.

    It is ``preferred`` except where the guideline prefers nothing (pregnancy), which makes
    the decision a safety-only one (see ``edu.scoring.score_judgement``).
    """
    return judged_at(attempt, case, path).best_available


def _state_at(case: Case, path: list):
    node_id = path[-1][0]
    return state_on_path(case, [(n, c) for n, c in path[:-1]] + [(node_id, None)])


def judge_options(attempt: ShownAttempt, case: Case, path: list) -> dict[str, Judgement]:
    """Return the guideline's judgement of every option at the decision ending ``path``.

    Pure and repeatable: the same path under the same guideline version gives the same
    judgements, so feedback and the debrief can recompute what the choice was scored on.
    """
    return dict(judged_at(attempt, case, path).judgements)
