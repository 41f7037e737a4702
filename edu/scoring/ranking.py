"""The course leaderboard: one ranking rule, pseudonyms, and pages.

Everything here works on plain values, so the same function orders the page, the CSV and the
JSON export, and the rule is tested without a database.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Generic, TypeVar

LearnerId = int | str
AssignmentId = int | str

T = TypeVar("T")


@dataclass(frozen=True)
class AttemptResult:
    """One completed attempt at an assignment.

    ``completed_at`` must be of one kind across a ranking: all naive UTC or all aware.
    ``late`` is True when it was completed after the assignment's due time.
    """

    score: float
    max_score: float
    completed_at: datetime
    late: bool = False


@dataclass(frozen=True)
class LeaderboardInput:
    """One learner's attempts at one assignment.

    A row with no attempts still puts the learner on the board (total 0), so services can
    pass every enrolled learner. Several rows for the same (learner, assignment) are merged.
    """

    learner_id: LearnerId
    assignment_id: AssignmentId
    attempts: Sequence[AttemptResult] = ()


@dataclass(frozen=True)
class RankedRow:
    """A learner's place on the leaderboard.

    Attributes:
        rank: standard competition rank ("1, 2, 2, 4"), shared only by an exact tie.
        total: sum of the best score on each assignment.
        max_total: sum of ``max_score`` of those best attempts.
        reached_at: when the total was reached (see :func:`rank_rows`); ``None`` when the
            learner has no counted attempt.
        best: per assignment, the attempt that counts; assignments without a counted
            attempt are absent (no grade, which is not the same as 0).
    """

    learner_id: LearnerId
    rank: int
    total: float
    max_total: float
    reached_at: datetime | None
    best: Mapping[AssignmentId, AttemptResult] = field(default_factory=dict)


def _counts_over(candidate: AttemptResult, current: AttemptResult) -> bool:
    # Among equal best scores the EARLIER attempt counts, so a retake that only equals the
    # best leaves the time unchanged and cannot leapfrog someone who got there first.
    if candidate.score != current.score:
        return candidate.score > current.score
    return candidate.completed_at < current.completed_at


def _learner_key(learner_id: LearnerId) -> tuple[bool, LearnerId]:
    # The flag keeps int and str ids from ever being compared with each other.
    return (isinstance(learner_id, str), learner_id)


def rank_rows(rows: Iterable[LeaderboardInput], *, count_late: bool = True) -> list[RankedRow]:
    """Return the leaderboard, best first.

    The rule (issue 7):

    1. **Total.** For each assignment, a learner's *best* score; the total is their sum.
       With ``count_late=False`` (the course's choice) late attempts are ignored, as if
       never made; an assignment with only late attempts then has no grade.
    2. **Earlier time.** Ties on total go to whoever reached it first. The time reached is
       the latest, over the learner's assignments, of the ``completed_at`` of the attempt
       that counts for that assignment, where among attempts with equal best scores the
       earliest counts. So a retake that only equals the best changes nothing. Learners
       with no counted attempt come after all others with the same total.
    3. **Learner id**, for a stable order only: it never splits a rank.

    Ranks are standard competition ranks: learners share a rank only when total *and* time
    are exactly equal, and the next rank skips ("1, 2, 2, 4").

    Totals are summed with :func:`math.fsum`, so equal sets of scores give equal totals
    whatever order the attempts arrive in.

    Raises:
        TypeError: if naive and aware ``completed_at`` values are mixed.
    """
    best_by_learner: dict[LearnerId, dict[AssignmentId, AttemptResult]] = {}
    for row in rows:
        best = best_by_learner.setdefault(row.learner_id, {})
        for attempt in row.attempts:
            if attempt.late and not count_late:
                continue
            current = best.get(row.assignment_id)
            if current is None or _counts_over(attempt, current):
                best[row.assignment_id] = attempt

    totals = []
    for learner_id, best in best_by_learner.items():
        reached_at = max((a.completed_at for a in best.values()), default=None)
        total = math.fsum(a.score for a in best.values())
        # (0, time) sorts before (1,): no time means "not reached", after every real time.
        when = (0, reached_at) if reached_at is not None else (1,)
        key = (-total, when, _learner_key(learner_id))
        totals.append((key, learner_id, total, reached_at, best))
    totals.sort(key=lambda item: item[0])

    ranked: list[RankedRow] = []
    for position, (_, learner_id, total, reached_at, best) in enumerate(totals, start=1):
        rank = position
        if ranked and ranked[-1].total == total and ranked[-1].reached_at == reached_at:
            rank = ranked[-1].rank
        ranked.append(
            RankedRow(
                learner_id=learner_id,
                rank=rank,
                total=total,
                max_total=math.fsum(a.max_score for a in best.values()),
                reached_at=reached_at,
                best=best,
            )
        )
    return ranked


PSEUDONYM_PREFIX: Final = "p-"
PSEUDONYM_LENGTH: Final = 8


def pseudonym(secret: str | bytes, learner_id: LearnerId, *, length: int = PSEUDONYM_LENGTH) -> str:
    """Return a stable pseudonym for a learner in a course, e.g. ``"p-3f9a1c0d"``.

    It is the HMAC-SHA256 of the learner id under the course's secret, hex, truncated. The
    same (secret, learner) always gives the same pseudonym, so research rows can be joined
    across exports; without the secret it cannot be reversed or recomputed, even by someone
    who knows every learner id. A new secret gives new, unlinkable pseudonyms.

    The default 8 hex digits (32 bits) make a collision in a course of 1,000 learners about
    1 in 10,000; writers that key data by pseudonym should still check (the research export
    does).

    Args:
        secret: the course's secret (``str`` is encoded as UTF-8); must not be empty.
        learner_id: ``5`` and ``"5"`` give the same pseudonym.
        length: hex digits kept, 6 to 64.

    Raises:
        ValueError: for an empty secret or a length out of range.
    """
    if not secret:
        raise ValueError("a pseudonym needs a non-empty course secret")
    if not 6 <= length <= 64:
        raise ValueError(f"pseudonym length must be 6 to 64 hex digits, got {length}")
    key = secret.encode() if isinstance(secret, str) else secret
    digest = hmac.new(key, str(learner_id).encode(), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:length]


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a sequence, numbered from 1."""

    items: Sequence[T]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """Number of pages; at least 1, so an empty board still has a page to show."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_previous(self) -> bool:
        """Whether there is a page before this one."""
        return self.number > 1

    @property
    def has_next(self) -> bool:
        """Whether there is a page after this one."""
        return self.number < self.pages


def paginate(items: Sequence[T], page: int, per_page: int) -> Page[T]:
    """Return page ``page`` of ``items``, ``per_page`` at a time.

    A page number out of range is clamped to the first or last page rather than raising: a
    stale ``?page=9`` after learners left the course should still show the board.

    Raises:
        ValueError: if ``per_page`` is below 1.
    """
    if per_page < 1:
        raise ValueError(f"per_page must be at least 1, got {per_page}")
    pages = max(1, math.ceil(len(items) / per_page))
    number = min(max(page, 1), pages)
    start = (number - 1) * per_page
    return Page(
        items=items[start : start + per_page], number=number, per_page=per_page, total=len(items)
    )
