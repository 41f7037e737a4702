"""The leaderboard as a plain CSV, for course directors and spreadsheets."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from edu.exports.cells import csv_lines, single_line, unique_titles
from edu.exports.rows import Assignment, LeaderboardRow

LEADING_COLUMNS = ("name", "email")
TRAILING_COLUMNS = ("total", "rank", "completed_at")


def leaderboard_header(assignments: Sequence[Assignment]) -> list[str]:
    """Return the header: ``name,email,<assignment titles>,total,rank,completed_at``."""
    reserved = LEADING_COLUMNS + TRAILING_COLUMNS
    titles = unique_titles((single_line(a.title) for a in assignments), reserved)
    return [*LEADING_COLUMNS, *titles, *TRAILING_COLUMNS]


def leaderboard_csv(
    rows: Iterable[LeaderboardRow], assignments: Sequence[Assignment]
) -> Iterator[str]:
    """Yield the leaderboard CSV one line at a time, header first (BOM-prefixed).

    One column per assignment holds the learner's best score, empty for no grade;
    ``completed_at`` is when the total was reached, ISO 8601 UTC.
    """
    cells = (
        [
            row.name,
            row.email,
            *(row.score(a) for a in assignments),
            row.total,
            row.rank,
            row.completed_at,
        ]
        for row in rows
    )
    return csv_lines(leaderboard_header(assignments), cells)
