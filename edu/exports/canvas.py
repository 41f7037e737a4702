"""The Canvas gradebook import file (Grades > Import).

Layout, from "What edu should emit" in ``GRADEBOOK-IMPORTS.md``::

    Student,ID,SIS User ID,SIS Login ID,Section,HER2 first line (48213),HER2 quiz 1 (48214)
    Points Possible,,,,,20,10
    "Doe, Jane",,MED-00123,jdoe@med.example.edu,,17.5,EX

Canvas silently drops any column whose header contains a read-only total's name, and reads
"Title (123)" as "assignment 123", so assignment titles are made safe here (see
:func:`canvas_title`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Final

from edu.exports.cells import csv_lines, single_line, unique_titles
from edu.exports.rows import Assignment, LeaderboardRow

IDENTITY_COLUMNS: Final = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
POINTS_POSSIBLE: Final = "Points Possible"
EXCUSED: Final = "EX"

# Canvas treats a header containing any of these as a read-only total and ignores the
# column (substring match; "Unposted Final Score" too). We match case-insensitively, wider
# than Canvas, so a future Canvas that ignores case cannot start dropping columns. Only the
# offending word is replaced, keeping the title recognisable:
#   Points -> Pts, Grade -> Mark ("Graded quiz" -> "Marked quiz"),
#   Final/Current/Override Score -> ... Result, Override Status -> Override State.
# Appending a suffix would not help: the forbidden word would still be in the title.
_READ_ONLY_WORDS: Final = re.compile(
    r"points|graded|grade"
    r"|(?<=final )score|(?<=current )score|(?<=override )score|(?<=override )status",
    re.IGNORECASE,
)
_REPLACEMENTS: Final = {
    "points": "pts",
    "graded": "marked",
    "grade": "mark",
    "score": "result",
    "status": "state",
}

# Canvas reads a header ending in " (digits)" as "assignment <digits>" (Assignment
# .title_and_id), so a plain title like "Case (2)" would grade assignment 2.
_LOOKS_LIKE_ID: Final = re.compile(r"\s\((\d+)\)$")


def _same_case(word: str, like: str) -> str:
    if like.isupper():
        return word.upper()
    if like[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _replace_read_only_words(title: str) -> str:
    # Repeat until stable: a replacement must never leave a forbidden word behind.
    while (match := _READ_ONLY_WORDS.search(title)) is not None:
        found = match.group(0)
        replacement = _same_case(_REPLACEMENTS[found.lower()], found)
        title = title[: match.start()] + replacement + title[match.end() :]
    return title


def canvas_title(assignment: Assignment) -> str:
    """Return the column header Canvas will map to ``assignment``.

    ``"Title (canvas_id)"`` when the Canvas id is known (Canvas matches the id first),
    otherwise the plain title, which Canvas matches by exact title or offers to create.
    Read-only total words are replaced (see module comment) and a trailing ``(digits)`` in a
    plain title becomes ``[digits]`` so Canvas does not take it for an id.
    """
    title = _replace_read_only_words(single_line(assignment.title)) or f"Assignment {assignment.id}"
    if assignment.canvas_id is not None:
        return f"{title} ({assignment.canvas_id})"
    return _LOOKS_LIKE_ID.sub(r" [\1]", title)


def canvas_header(assignments: Sequence[Assignment]) -> list[str]:
    """Return ``Student,ID,SIS User ID,SIS Login ID,Section,<assignment columns>``."""
    titles = unique_titles((canvas_title(a) for a in assignments), IDENTITY_COLUMNS)
    return [*IDENTITY_COLUMNS, *titles]


def _grade(row: LeaderboardRow, assignment: Assignment) -> object:
    if assignment.id in row.excused:
        return EXCUSED
    return row.score(assignment)  # None -> empty cell: no grade, never "-"


def canvas_csv(rows: Iterable[LeaderboardRow], assignments: Sequence[Assignment]) -> Iterator[str]:
    """Yield the Canvas import file one line at a time, header first (BOM-prefixed).

    The second line is ``Points Possible``, so assignments Canvas creates get edu's points.
    ``ID`` is Canvas's user id when known, else empty (Canvas then tries SIS User ID, then
    SIS Login ID = email, then the name).
    """
    points_row = [POINTS_POSSIBLE, "", "", "", "", *(a.points_possible for a in assignments)]

    def cells() -> Iterator[list[object]]:
        yield points_row
        for row in rows:
            yield [
                row.name,
                row.canvas_user_id,
                row.id_number,
                row.email,
                row.section,
                *(_grade(row, a) for a in assignments),
            ]

    return csv_lines(canvas_header(assignments), cells())
