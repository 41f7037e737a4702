"""The Moodle grade import file (Grades > Import > CSV file).

Moodle aborts the whole import on any non-numeric grade ("badgrade"), so cells hold numbers
or nothing: no "EX", no "-", no letters. The identifier comes first so that "Map from"
defaults to it; the teacher sets "Map to" to Email address.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from edu.exports.cells import ExportError, csv_lines, single_line, unique_titles
from edu.exports.rows import Assignment, LeaderboardRow

IDENTITY_COLUMNS = ("Email address", "ID number", "First name", "Last name")


def moodle_header(assignments: Sequence[Assignment]) -> list[str]:
    """Return the header: ``Email address,ID number,First name,Last name,<item titles>``.

    Item titles are the assignment titles; a new grade item is named after its header.
    """
    titles = unique_titles((single_line(a.title) for a in assignments), IDENTITY_COLUMNS)
    return [*IDENTITY_COLUMNS, *titles]


def _cells(row: LeaderboardRow, assignments: Sequence[Assignment]) -> list[object]:
    if not row.email.strip():
        # Moodle keeps the previous row's user when the identifier is empty, so these
        # grades would land on someone else; failing the export is the lesser harm.
        raise ExportError(f"learner {row.name!r} has no email, which Moodle maps from")
    # Moodle has no "excused": such an assignment is exported as no grade.
    grades = (None if a.id in row.excused else row.score(a) for a in assignments)
    return [row.email, row.id_number, row.first_name, row.last_name, *grades]


def moodle_csv(rows: Iterable[LeaderboardRow], assignments: Sequence[Assignment]) -> Iterator[str]:
    """Yield the Moodle import file one line at a time, header first (BOM-prefixed).

    Raises:
        ExportError: (while streaming) for a learner without an email.
    """
    return csv_lines(moodle_header(assignments), (_cells(row, assignments) for row in rows))
