"""The leaderboard as a streamed JSON array (``--format json``).

JSON is not opened in spreadsheets, so no formula guard and no BOM (RFC 8259 forbids one);
numbers are numbers and "no grade" is ``null``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence

from edu.exports.cells import format_number, format_timestamp
from edu.exports.rows import Assignment, LeaderboardRow


def _number(value: float | None) -> int | float | None:
    # Same rounding as the CSV cells, so both formats agree on every score.
    if value is None:
        return None
    text = format_number(value)
    return float(text) if "." in text else int(text)


def leaderboard_object(row: LeaderboardRow, assignments: Sequence[Assignment]) -> dict[str, object]:
    """Return one learner as a JSON-ready dict; ``scores`` is keyed by assignment id."""
    return {
        "rank": row.rank,
        "name": row.name,
        "email": row.email,
        "scores": {str(a.id): _number(row.score(a)) for a in assignments},
        "total": _number(row.total),
        "completed_at": format_timestamp(row.completed_at)
        if row.completed_at is not None
        else None,
    }


def leaderboard_json(
    rows: Iterable[LeaderboardRow], assignments: Sequence[Assignment]
) -> Iterator[str]:
    """Yield a JSON array of :func:`leaderboard_object`, one element per chunk.

    ``"[\\n"`` is yielded before any row is read, then each element, then ``"\\n]\\n"``;
    the chunks joined are one valid JSON document, even for no rows (``[]``).
    """
    yield "[\n"
    separator = ""
    for row in rows:
        yield separator + json.dumps(leaderboard_object(row, assignments), ensure_ascii=False)
        separator = ",\n"
    yield "\n]\n"
