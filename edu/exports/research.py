"""The research export: one row per scored choice, optionally pseudonymised."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Final

from edu.exports.cells import CRLF, ExportError, cell, csv_lines, timestamp_cell
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
    tuples = (
        (
            row.learner_id,
            row.email,
            row.case,
            row.case_version,
            row.guideline_version,
            row.decision,
            row.option,
            row.verdict,
            row.points,
            row.decided_at,
        )
        for row in rows
    )
    return research_csv_tuples(tuples, secret=secret)


def research_csv_tuples(
    rows: Iterable[Sequence[object]], *, secret: str | bytes | None = None
) -> Iterator[str]:
    """:func:`research_csv` for plain tuples, the fast path for large exports.

    Each row is ``(learner_id, email, case, case_version, guideline_version, decision,
    option, verdict, points, decided_at)``, the fields of :class:`DecisionRow` in order;
    ``decided_at`` may be a datetime or UTC text (see
    :func:`edu.exports.cells.timestamp_cell`).
    """
    if secret is not None and not secret:
        raise ValueError("a pseudonymised export needs a non-empty course secret")
    return _research_lines(rows, _Pseudonyms(secret) if secret is not None else None)


# Bound on the remembered (case ... verdict) cell groups of one export.
_MIDDLE_CACHE_MAX: Final = 100_000


def _research_lines(rows: Iterable[Sequence[object]], learner: _Pseudonyms | None) -> Iterator[str]:
    """Yield the header then one line per row.

    Every cell still goes through :func:`edu.exports.cells.cell` (so through
    :func:`~edu.exports.cells.neutralise`), but a research export repeats a few values on
    millions of lines: the learner's cell is made once per learner, the six cells from case
    to verdict once per distinct combination, and the points once per distinct value. The
    time goes through :func:`~edu.exports.cells.timestamp_cell`, which takes the database's
    UTC text as well as a datetime.
    """
    yield from csv_lines(RESEARCH_HEADER, ())
    width = len(RESEARCH_HEADER) + 1  # learner_id and email make the first cell
    people: dict[object, str] = {}
    middles: dict[tuple, str] = {}
    numbers: dict[object, str] = {}
    source = iter(rows)
    try:
        for number, row in enumerate(source, start=1):
            if len(row) != width:
                raise ExportError(
                    f"row {number} has {len(row) - 1} cells, the header has {width - 1}"
                )
            person = row[0] if learner is not None else row[1]
            first = people.get(person)
            if first is None:
                first = cell(learner(person) if learner is not None else person)
                people[person] = first
            key = tuple(row[2:8])
            middle = middles.get(key)
            if middle is None:
                middle = ",".join(map(cell, key))
                if len(middles) < _MIDDLE_CACHE_MAX:
                    middles[key] = middle
            points = row[8]
            if type(points) is float or type(points) is int:
                text = numbers.get(points)
                if text is None:
                    text = numbers[points] = cell(points)
            else:
                text = cell(points)
            yield f"{first},{middle},{text},{timestamp_cell(row[9])}{CRLF}"
    finally:
        # Stopped early or failed on a row: close the source now (a database result read
        # ahead by a thread), not whenever it is garbage-collected, which may be after the
        # request has handed its connection back.
        close = getattr(source, "close", None)
        if close is not None:
            close()
