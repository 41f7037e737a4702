"""The Canvas import file, checked against GRADEBOOK-IMPORTS.md "What edu should emit"."""

import csv
import io
from datetime import UTC, datetime

import pytest

from edu.exports import Assignment, LeaderboardRow, canvas_csv, canvas_header, canvas_title

ASSIGNMENTS = [
    Assignment(id=1, title="HER2 first line", points_possible=20, canvas_id=48213),
    Assignment(id=2, title="HER2 quiz 1", points_possible=10, canvas_id=48214),
]
JANE = LeaderboardRow(
    name="Doe, Jane",
    email="jdoe@med.example.edu",
    scores={1: 17.5, 2: 8},
    total=25.5,
    rank=1,
    completed_at=datetime(2026, 3, 2, 9, 14, 5, tzinfo=UTC),
    first_name="Jane",
    last_name="Doe",
    id_number="MED-00123",
    excused=frozenset({2}),
)


def test_matches_the_documented_example_exactly():
    assert list(canvas_csv([JANE], ASSIGNMENTS)) == [
        "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,HER2 first line (48213),"
        "HER2 quiz 1 (48214)\r\n",
        "Points Possible,,,,,20,10\r\n",
        '"Doe, Jane",,MED-00123,jdoe@med.example.edu,,17.5,EX\r\n',
    ]


def test_header_is_exposed():
    assert canvas_header(ASSIGNMENTS) == [
        "Student",
        "ID",
        "SIS User ID",
        "SIS Login ID",
        "Section",
        "HER2 first line (48213)",
        "HER2 quiz 1 (48214)",
    ]


def test_no_grade_is_an_empty_cell_and_known_ids_and_sections_are_written():
    row = LeaderboardRow(
        name="Roe, Max",
        email="mroe@med.example.edu",
        scores={1: None},
        canvas_user_id=5012,
        section="Residents 2026",
    )
    lines = list(canvas_csv([row], ASSIGNMENTS))
    assert lines[2] == '"Roe, Max",5012,,mroe@med.example.edu,Residents 2026,,\r\n'
    assert "-" not in lines[2].split(",")


def test_formula_in_a_name_is_neutralised():
    row = LeaderboardRow(name='=HYPERLINK("http://x","y")', email="x@example.edu")
    lines = list(canvas_csv([row], ASSIGNMENTS))
    assert lines[2].startswith('"\'=HYPERLINK(""http://x"",""y"")",')


def test_parses_back_with_the_same_width_on_every_line():
    rows = [JANE, LeaderboardRow(name="Plain", email="p@example.edu", scores={1: -3})]
    text = "".join(canvas_csv(rows, ASSIGNMENTS))
    assert text.count("\ufeff") == 1 and text.startswith("\ufeffStudent,")
    assert text.count("\r\n") == text.count("\n") == 4
    parsed = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert {len(line) for line in parsed} == {7}
    assert parsed[3] == ["Plain", "", "", "p@example.edu", "", "-3", ""]


class TestColumnTitles:
    @pytest.mark.parametrize(
        ("title", "header"),
        [
            ("HER2 first line", "HER2 first line"),
            ("Final Score drill", "Final Result drill"),
            ("current score review", "current result review"),
            ("Override Status quiz", "Override State quiz"),
            ("Points of care", "Pts of care"),
            ("Checkpoints", "Checkpts"),
            ("Graded case", "Marked case"),
            ("Grades review", "Marks review"),
            ("GRADE 3 toxicity", "MARK 3 toxicity"),
            ("Upgrade path", "Upmark path"),
            ("Final  Score\nquiz", "Final Result quiz"),
            ("Case (2)", "Case [2]"),
            ("", "Assignment 9"),
        ],
    )
    def test_titles_canvas_would_drop_or_misread_are_made_safe(self, title, header):
        assert canvas_title(Assignment(id=9, title=title, points_possible=10)) == header

    @pytest.mark.parametrize(
        "title",
        ["Grade 1", "Final Score", "Current Score", "Override Score", "Points", "Total grade"],
    )
    def test_no_header_contains_a_read_only_total_name(self, title):
        header = canvas_title(Assignment(id=1, title=title, points_possible=10, canvas_id=77))
        assert header.endswith(" (77)")
        for phrase in ("final score", "current score", "override score", "override status"):
            assert phrase not in header.lower()
        assert "points" not in header.lower() and "grade" not in header.lower()

    def test_a_known_canvas_id_keeps_its_brackets(self):
        assignment = Assignment(id=1, title="Case (2)", points_possible=10, canvas_id=48213)
        assert canvas_title(assignment) == "Case (2) (48213)"

    def test_repeated_titles_and_identity_names_are_made_distinct(self):
        header = canvas_header(
            [
                Assignment(id=1, title="Quiz", points_possible=10),
                Assignment(id=2, title="Quiz", points_possible=10),
                Assignment(id=3, title="Section", points_possible=10),
            ]
        )
        assert header[5:] == ["Quiz", "Quiz #2", "Section #2"]
