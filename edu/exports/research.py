"""The research export: one row per scored choice, optionally pseudonymised."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from edu.exports.cells import ExportError, csv_lines
from edu.exports.rows import DecisionRow
from edu.scoring.ranking import LearnerId, pseudonym

RESEARCH_HEADER = (
    "learner",
    "case",
    "case_version",
    "guideline_version",
    "decision",
    "option",
    "verdict",
    "points",
    "decided_at",
)


class _Pseudonyms:
    """Pseudonyms for one export: computed once per learner, checked for collisions.

    Memory grows with the number of learners, not rows. A collision would silently merge
    two learners in the research data, so it stops the export instead.
    """

    def __init__(self, secret: str | bytes) -> None:
        self._secret = secret
        self._by_learner: dict[LearnerId, str] = {}
        self._owner: dict[str, LearnerId] = {}

    def __call__(self, learner_id: LearnerId) -> str:
        known = self._by_learner.get(learner_id)
        if known is not None:
            return known
        name = pseudonym(self._secret, learner_id)
        owner = self._owner.setdefault(name, learner_id)
        if owner != learner_id:
            raise ExportError(f"pseudonym collision between learners {owner!r} and {learner_id!r}")
        self._by_learner[learner_id] = name
        return name


def research_csv(
    rows: Iterable[DecisionRow], *, secret: str | bytes | None = None
) -> Iterator[str]:
    """Yield the per-decision CSV one line at a time, header first (BOM-prefixed).

    Args:
        rows: the scored choices, in the order they should appear.
        secret: the course's pseudonym secret. Given, ``learner`` is the learner's stable
            pseudonym (see :func:`edu.scoring.pseudonym`) and no email is written; ``None``
            writes the email.

    Raises:
        ValueError: at once, for an empty secret (rather than after the header is sent).
        ExportError: (while streaming) if two learners get the same pseudonym.
    """
    if secret is not None and not secret:
        raise ValueError("a pseudonymised export needs a non-empty course secret")
    learner = _Pseudonyms(secret) if secret is not None else None

    def cells(row: DecisionRow) -> list[object]:
        return [
            learner(row.learner_id) if learner is not None else row.email,
            row.case,
            row.case_version,
            row.guideline_version,
            row.decision,
            row.option,
            row.verdict,
            row.points,
            row.decided_at,
        ]

    return csv_lines(RESEARCH_HEADER, (cells(row) for row in rows))
