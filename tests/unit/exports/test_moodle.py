"""The Moodle import file, checked against GRADEBOOK-IMPORTS.md "What edu should emit"."""

import csv
import io

import pytest

from edu.exports import Assignment, ExportError, LeaderboardRow, moodle_csv, moodle_header

ASSIGNMENTS = [
    Assignment(id=1, title="HER2 first line", points_possible=20, canvas_id=48213),
    Assignment(id=2, title="HER2 quiz 1", points_possible=10, canvas_id=48214),
]
JANE = LeaderboardRow(
    name="Doe, Jane",
    email="jdoe@med.example.edu",
    scores={1: 17.5},
    first_name="Jane",
    last_name="Doe",
    id_number="MED-00123",
)


def test_matches_the_documented_example_exactly():
    assert list(moodle_csv([JANE], ASSIGNMENTS)) == [
        "\ufeffEmail address,ID number,First name,Last name,HER2 first line,HER2 quiz 1\r\n",
        "jdoe@med.example.edu,MED-00123,Jane,Doe,17.5,\r\n",
    ]


def test_header_is_exposed_and_has_no_canvas_ids():
    assert moodle_header(ASSIGNMENTS) == [
        "Email address",
        "ID number",
        "First name",
        "Last name",
        "HER2 first line",
        "HER2 quiz 1",
    ]


def test_excused_is_no_grade_because_moodle_reads_numbers_only():
    row = LeaderboardRow(
        name="x", email="x@example.edu", scores={1: 12, 2: 9}, excused=frozenset({2})
    )
    assert list(moodle_csv([row], ASSIGNMENTS))[1] == "x@example.edu,,,,12,\r\n"


def test_grade_cells_are_numbers_or_empty():
    rows = [
        JANE,
        LeaderboardRow(name="y", email="y@example.edu", scores={1: 20.0, 2: 0.1 + 0.2}),
        LeaderboardRow(name="z", email="z@example.edu", scores={1: -2.5, 2: None}),
    ]
    text = "".join(moodle_csv(rows, ASSIGNMENTS))
    parsed = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert {len(line) for line in parsed} == {6}
    grades = [cell for line in parsed[1:] for cell in line[4:]]
    assert grades == ["17.5", "", "20", "0.3", "-2.5", ""]
    for cell in grades:
        assert cell == "" or float(cell) == float(cell)


def test_names_are_neutralised():
    row = LeaderboardRow(name="n", email="n@example.edu", first_name="=cmd", last_name="@x")
    assert list(moodle_csv([row], ASSIGNMENTS))[1] == "n@example.edu,,'=cmd,'@x,,\r\n"


def test_a_learner_without_email_stops_the_export():
    # Moodle would give these grades to the previous row's learner.
    rows = moodle_csv([JANE, LeaderboardRow(name="Nobody", email=" ")], ASSIGNMENTS)
    assert next(rows).startswith("\ufeffEmail address")
    assert next(rows).startswith("jdoe@")
    with pytest.raises(ExportError, match="'Nobody' has no email"):
        next(rows)
