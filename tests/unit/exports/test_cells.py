"""The formula guard, number and time formatting, quoting and line rules."""

import csv
import io
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from edu.exports.cells import (
    BOM,
    ExportError,
    cell,
    csv_line,
    csv_lines,
    format_number,
    format_timestamp,
    neutralise,
    single_line,
    timestamp_cell,
    unique_titles,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1:A2)", "'+SUM(A1:A2)"),
        ("-cmd", "'-cmd"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("-1+2", "'-1+2"),
        ("-", "'-"),
        ("-3", "-3"),
        ("-2.5", "-2.5"),
        ("17.5", "17.5"),
        ("Doe, Jane", "Doe, Jane"),
        ("a=b", "a=b"),
        ("'=already", "'=already"),
        ("", ""),
    ],
)
def test_neutralise_guards_formulas_but_keeps_plain_numbers(value, expected):
    assert neutralise(value) == expected


def test_neutralise_is_idempotent():
    assert neutralise(neutralise("=1+1")) == "'=1+1"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (17.5, "17.5"),
        (20.0, "20"),
        (20, "20"),
        (-3, "-3"),
        (-2.5, "-2.5"),
        (-0.0, "0"),
        (0.1 + 0.2, "0.3"),
        (2 / 3 * 10, "6.6667"),
        (1234567.0, "1234567"),
        (1e20, "100000000000000000000"),
        (1e-7, "0"),
        (Decimal("2.50"), "2.5"),
        (Decimal("20.000"), "20"),
    ],
)
def test_numbers_are_plain_decimals_without_noise(value, expected):
    assert neutralise(value) == expected


@pytest.mark.parametrize("value", [float("nan"), float("inf"), Decimal("NaN")])
def test_non_finite_numbers_are_refused(value):
    with pytest.raises(ValueError, match="finite"):
        format_number(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(2026, 3, 2, 9, 14, 5), "2026-03-02T09:14:05Z"),
        (datetime(2026, 3, 2, 9, 14, 5, 999999, tzinfo=UTC), "2026-03-02T09:14:05Z"),
        (
            datetime(2026, 3, 2, 10, 14, 5, tzinfo=timezone(timedelta(hours=1))),
            "2026-03-02T09:14:05Z",
        ),
    ],
)
def test_timestamps_are_iso_8601_utc_to_the_second(value, expected):
    assert format_timestamp(value) == expected
    assert neutralise(value) == expected


@pytest.mark.parametrize(
    ("cells", "line"),
    [
        (["a", "b", 1], "a,b,1\r\n"),
        (["Doe, Jane", "x"], '"Doe, Jane",x\r\n'),
        (['say "hi"'], '"say ""hi"""\r\n'),
        (["two\nlines"], '"two\nlines"\r\n'),
        (["cr\rhere"], '"cr\rhere"\r\n'),
        (["=1+1", None, -3], "'=1+1,,-3\r\n"),
        (['=HYPERLINK("x","y")'], '"\'=HYPERLINK(""x"",""y"")"\r\n'),
        ([], "\r\n"),
    ],
)
def test_csv_line_quotes_only_what_needs_it(cells, line):
    assert csv_line(cells) == line


def test_csv_lines_put_the_bom_on_the_first_line_only():
    lines = list(csv_lines(["h1", "h2"], [["a", "b"], ["c", "d"]]))
    assert lines == ["\ufeffh1,h2\r\n", "a,b\r\n", "c,d\r\n"]
    assert sum(line.count(BOM) for line in lines) == 1


def test_csv_lines_refuse_a_row_of_the_wrong_width():
    with pytest.raises(ExportError, match="row 2 has 1 cells, the header has 2"):
        list(csv_lines(["h1", "h2"], [["a", "b"], ["c"]]))


def test_csv_lines_refuse_a_first_header_cell_that_needs_quotes():
    # A BOM followed by a quote breaks Ruby's CSV, so Canvas would reject the file.
    with pytest.raises(ExportError, match="first header cell"):
        next(csv_lines(["Last, First", "x"], []))


def test_csv_lines_round_trip_through_the_csv_module():
    rows = [
        ["Doe, Jane", 'quote " inside', "multi\r\nline", "=1+1", -3, 17.5, None, "ünï"],
        ["plain", "", "tab\there", "@x", 0, 20.0, "EX", "-2.5"],
    ]
    text = "".join(csv_lines([f"c{i}" for i in range(8)], rows))
    parsed = list(csv.reader(io.StringIO(text.removeprefix(BOM), newline="")))
    assert parsed == [
        [f"c{i}" for i in range(8)],
        ["Doe, Jane", 'quote " inside', "multi\r\nline", "'=1+1", "-3", "17.5", "", "ünï"],
        ["plain", "", "tab\there", "'@x", "0", "20", "EX", "-2.5"],
    ]


def test_single_line_collapses_whitespace():
    assert single_line("  HER2\n first\tline  ") == "HER2 first line"


def test_unique_titles_number_repeats_and_avoid_reserved_names():
    assert unique_titles(["Quiz", "Quiz", "Section", "Quiz"], ["Section"]) == [
        "Quiz",
        "Quiz #2",
        "Section #2",
        "Quiz #3",
    ]


def _reference_number(value: float) -> str:
    # The Decimal formatting every float went through before the fast paths.
    text = format(Decimal(repr(round(value, 4))).normalize(), "f")
    return "0" if text == "-0" else text


@pytest.mark.parametrize(
    "value",
    [0.0, -0.0, 20.0, -3.0, 17.5, 0.1 + 0.2, 2.00001, -0.00004, 0.00005, 1 / 3, -2 / 3,
     5e15 + 0.5, 123456789.0, 1e20, -4.696066932415819e17, 1e-300],
)  # fmt: skip
def test_float_fast_paths_write_what_decimal_formatting_wrote(value):
    assert format_number(value) == _reference_number(value)


def test_many_floats_match_the_decimal_formatting():
    import random

    rng = random.Random(10)
    for _ in range(20_000):
        value = rng.choice(
            [rng.uniform(-100, 100), rng.randint(-400, 400) / 8, rng.uniform(-1e18, 1e18)]
        )
        assert format_number(value) == _reference_number(value)


@pytest.mark.parametrize(
    "value",
    [datetime(2026, 3, 2, 9, 14, 5, 999_999), datetime(999, 1, 2, 3, 4, 5),
     datetime(2026, 3, 2, 23, 30, tzinfo=timezone(timedelta(hours=-5)))],
)  # fmt: skip
def test_timestamp_fast_path_writes_what_strftime_wrote(value):
    utc = value.astimezone(UTC) if value.tzinfo else value
    assert format_timestamp(value) == utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_repeated_strings_are_neutralised_the_same_every_time():
    for _ in range(3):
        assert csv_line(["=cmd", "-3", "a,b", "plain", "-", 'say "hi"']) == (
            '\'=cmd,-3,"a,b",plain,\'-,"say ""hi"""\r\n'
        )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-03-02 09:14:05.999999", "2026-03-02T09:14:05Z"),  # dropped, not rounded
        ("2026-03-02 09:14:05", "2026-03-02T09:14:05Z"),
        ("2026-12-31 23:59:59.5", "2026-12-31T23:59:59Z"),
        (datetime(2026, 3, 2, 9, 14, 5, 999_999), "2026-03-02T09:14:05Z"),
        (None, ""),
    ],
)
def test_timestamp_cells_from_utc_text_match_format_timestamp(value, expected):
    assert timestamp_cell(value) == expected
    if isinstance(value, str):
        assert timestamp_cell(value) == format_timestamp(datetime.fromisoformat(value))


@pytest.mark.parametrize(
    "value", ["=cmd|' /C calc'!A0", "2026-03-02T09:14:05", "2026-03-02 09:14:05,1", "-3"]
)
def test_other_text_in_a_timestamp_column_is_an_ordinary_cell(value):
    assert timestamp_cell(value) == cell(value)
