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
# A UTC timestamp read as text (edu.models._time.utc_text): date, space, time, fraction.
_UTC_TEXT: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?")

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
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is float:
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        rounded = round(value, DECIMAL_PLACES)
        if rounded.is_integer() and -1e15 < rounded < 1e15:
            # Fast path: whole numbers (most points) without a Decimal; -0.0 -> "0". Below
            # 1e15 every whole float is exact, so int() gives the digits repr would.
            return str(int(rounded))
        # repr gives the shortest digits that round-trip, so 17.5 stays 17.5 exactly; it
        # has no trailing zeros and, at four places, no exponent (both checked: huge values
        # go through Decimal as before).
        text = repr(rounded)
        if "e" not in text and not text.endswith(".0"):
            return text
        number = Decimal(text)
    elif isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    elif isinstance(value, float):
        return format_number(float(value))
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
        value = value.astimezone(UTC).replace(tzinfo=None)
    if value.year >= 1000:
        # isoformat is several times faster than strftime and gives the same text here.
        return value.isoformat(timespec="seconds") + "Z"
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


# Exports repeat a few strings on almost every line (case slugs, codes, verdicts, emails),
# so the written form of a string is remembered: a pure function of the string, so the
# cache can never give a different cell than :func:`neutralise` + :func:`_quote` would.
_TEXT_CELLS: dict[str, str] = {}
_TEXT_CELLS_MAX: Final = 50_000
_TEXT_CELL_MAX_LENGTH: Final = 200


def _text_cell(text: str) -> str:
    cell = _TEXT_CELLS.get(text)
    if cell is None:
        cell = _quote(neutralise(text))
        if len(text) <= _TEXT_CELL_MAX_LENGTH:
            if len(_TEXT_CELLS) >= _TEXT_CELLS_MAX:
                _TEXT_CELLS.clear()
            _TEXT_CELLS[text] = cell
    return cell


def cell(value: object) -> str:
    """Return one written cell: :func:`neutralise` then quoted if needed, with fast paths."""
    kind = type(value)
    if kind is str:
        return _text_cell(value)  # type: ignore[arg-type]
    if kind is int:
        return str(value)  # digits and a minus sign: never quoted, never a formula
    if kind is float:
        return format_number(value)  # type: ignore[arg-type]
    if value is None:
        return ""
    if kind is datetime:
        return format_timestamp(value)  # type: ignore[arg-type]
    return _quote(neutralise(value))


def timestamp_cell(value: object) -> str:
    """Return a timestamp's cell, as :func:`format_timestamp` writes it, from a datetime or
    from UTC text ``YYYY-MM-DD HH:MM:SS[.ffffff]`` (:class:`edu.models._time.utc_text`).

    The text is cut and joined rather than parsed into a datetime: the same digits, the
    fraction dropped as ``format_timestamp`` drops it, several times faster. The result is
    digits and separators, which neither :func:`neutralise` nor quoting would change. Any
    other value is an ordinary :func:`cell`.
    """
    if type(value) is str and _UTC_TEXT.fullmatch(value):
        return f"{value[:10]}T{value[11:19]}Z"  # type: ignore[index]
    return cell(value)


def csv_line(cells: Iterable[object]) -> str:
    """Return one CSV line: each cell neutralised, quoted only if it holds a comma, a quote,
    CR or LF (quotes doubled), joined by commas, ended by CRLF."""
    return ",".join(map(cell, cells)) + CRLF


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
