"""Cells and lines of every CSV edu writes.

:func:`neutralise` is the ONLY formula guard: every cell of every writer passes through it,
via :func:`csv_line`, so no writer can forget it. The line rules follow "What edu should
emit" in ``GRADEBOOK-IMPORTS.md``: UTF-8 BOM before the first header cell (which must stay
unquoted), commas, CRLF, quotes only where needed, the same number of cells on every line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Final

BOM: Final = "\ufeff"
CRLF: Final = "\r\n"

# Characters that make Excel, LibreOffice or Sheets treat a cell as a formula (OWASP CSV
# injection list). Tab and CR count because some spreadsheets strip them and then see "=".
FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")

# Exactly what format_number emits. Such a cell is a number, never a formula, and must stay
# as it is: "'-3" is read as text by both gradebooks, so a negative grade would be lost.
_PLAIN_NUMBER: Final = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
_NEEDS_QUOTES: Final = re.compile(r'[,"\r\n]')
_WHITESPACE: Final = re.compile(r"\s+")

# Binary floats carry noise (0.1 + 0.2 = 0.30000000000000004). Four places is finer than
# either gradebook shows (Canvas compares at 2), so rounding there loses nothing real.
DECIMAL_PLACES: Final = 4


class ExportError(ValueError):
    """A row that cannot be written without producing a wrong or unreadable file."""


def format_number(value: int | float | Decimal) -> str:
    """Return ``value`` as a plain decimal: "." point, no exponent, no thousands separator,
    no trailing zeros (17.5 -> "17.5", 20.0 -> "20", -0.0 -> "0").

    Raises:
        ValueError: for NaN or infinity, which no gradebook reads as a grade.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        # repr gives the shortest digits that round-trip, so 17.5 stays 17.5 exactly.
        number = Decimal(repr(round(value, DECIMAL_PLACES)))
    else:
        if not value.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        number = round(value, DECIMAL_PLACES)
    text = format(number.normalize(), "f")
    return "0" if text == "-0" else text


def format_timestamp(value: datetime) -> str:
    """Return ``value`` as ISO 8601 UTC to the second, e.g. ``"2026-03-02T09:14:05Z"``.

    A naive datetime is taken to be UTC already, because that is how edu stores times.
    """
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def neutralise(value: object) -> str:
    """Return the text of one cell, safe to open in a spreadsheet.

    - ``None`` -> ``""``: an empty cell is "no grade" to both importers (never ``"-"``,
      which this function would have to turn into ``"'-"``, which neither importer reads).
    - numbers -> :func:`format_number`; datetimes -> :func:`format_timestamp`.
    - text starting with ``= + - @``, tab or CR gets a leading apostrophe, so a learner
      named ``=HYPERLINK(...)`` shows as text, except a plain number such as ``-3``.

    Idempotent: an already neutralised cell starts with an apostrophe and is left alone.
    """
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return format_number(value)
    if isinstance(value, datetime):
        return format_timestamp(value)
    text = str(value)
    if text.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _quote(cell: str) -> str:
    if _NEEDS_QUOTES.search(cell):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def csv_line(cells: Iterable[object]) -> str:
    """Return one CSV line: each cell neutralised, quoted only if it holds a comma, a quote,
    CR or LF (quotes doubled), joined by commas, ended by CRLF."""
    return ",".join(_quote(neutralise(cell)) for cell in cells) + CRLF


def csv_lines(header: Sequence[object], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """Yield the header line (BOM first) then one line per row, lazily.

    The header is yielded before ``rows`` is touched, and rows are pulled one at a time, so
    a response can start at once and the file is never built in memory.

    Raises:
        ExportError: if the first header cell would need quotes (a BOM before a quote breaks
            Ruby's CSV, hence Canvas), or a row's width differs from the header's (Moodle
            rejects the whole file; Canvas may guess the wrong delimiter).
    """
    first = csv_line(header)
    if first.startswith('"'):
        raise ExportError(f"first header cell must not need quotes: {first.split(',')[0]}")
    yield BOM + first
    width = len(header)
    for number, row in enumerate(rows, start=1):
        if len(row) != width:
            raise ExportError(f"row {number} has {len(row)} cells, the header has {width}")
        yield csv_line(row)


def single_line(text: str) -> str:
    """Return ``text`` with runs of whitespace (line breaks included) as single spaces,
    stripped: column titles must be one line and match exactly once imported."""
    return _WHITESPACE.sub(" ", text).strip()


def unique_titles(titles: Iterable[str], reserved: Iterable[str] = ()) -> list[str]:
    """Return ``titles`` made distinct from each other and from ``reserved``.

    A repeated title gets `` #2``, `` #3`` ... Canvas finds a column by the first header
    equal to its title, so two equal titles (or a title equal to ``Section``) would read
    grades from the wrong column.
    """
    taken = set(reserved)
    result = []
    for title in titles:
        candidate, n = title, 2
        while candidate in taken:
            candidate, n = f"{title} #{n}", n + 1
        taken.add(candidate)
        result.append(candidate)
    return result
