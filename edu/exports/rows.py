"""The plain rows the export writers take. Services fill them; writers only format them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from edu.scoring.ranking import AssignmentId, LearnerId


@dataclass(frozen=True)
class Assignment:
    """One assignment of a course, in the column order it should have in a file.

    ``canvas_id`` is the Canvas assignment id when the course director linked it; Canvas
    then matches the column by id whatever its title.
    """

    id: AssignmentId
    title: str
    points_possible: float
    canvas_id: int | None = None


@dataclass(frozen=True)
class LeaderboardRow:
    """One learner's line in the leaderboard and gradebook files.

    Attributes:
        name: display name as stored, e.g. ``"Doe, Jane"`` (Canvas matches "Last, First").
        email: login email; Canvas's SIS Login ID and Moodle's "Email address".
        scores: best score per assignment id; a missing key or ``None`` is "no grade".
        total, rank, completed_at: from :func:`edu.scoring.rank_rows` (``reached_at``).
        first_name, last_name: for Moodle, which has them as separate columns.
        id_number: the institution's learner number (Canvas SIS User ID, Moodle ID number).
        canvas_user_id: Canvas's own user id, when known; Canvas tries it first.
        section: Canvas section name; may be empty.
        excused: assignment ids the learner is excused from ("EX" in Canvas).
    """

    name: str
    email: str
    scores: Mapping[AssignmentId, float | None] = field(default_factory=dict)
    total: float = 0
    rank: int | None = None
    completed_at: datetime | None = None
    first_name: str = ""
    last_name: str = ""
    id_number: str = ""
    canvas_user_id: int | None = None
    section: str = ""
    excused: frozenset[AssignmentId] = frozenset()

    def score(self, assignment: Assignment) -> float | None:
        """Return the best score on ``assignment``, ``None`` for no grade."""
        return self.scores.get(assignment.id)


@dataclass(frozen=True)
class DecisionRow:
    """One scored choice, for the research export.

    ``learner_id`` is what the pseudonym is derived from (stable when the email changes);
    ``email`` is written only when the export is not pseudonymised. Codes (``decision``,
    ``option``, ``verdict``) are as in the guideline vocabulary.
    """

    learner_id: LearnerId
    email: str
    case: str
    case_version: int | str
    guideline_version: str
    decision: str
    option: str
    verdict: str
    points: float
    decided_at: datetime
