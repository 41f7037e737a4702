"""`flask export ...` through the CLI runner; the functions behind it are tested in
tests/services/test_gradebook.py."""

from __future__ import annotations

import io
import json

import pytest

from edu.cli.export import write_lines
from edu.services import courses
from tests.course_factories import at, make_attempt, make_case, make_choice, make_user
from tests.factories import create_course, enrol

BOM = b"\xef\xbb\xbf"


@pytest.fixture
def course(app):
    owner = make_user("instructor")
    course = create_course(owner, "HER2 module")
    case = make_case("her2-first-line", "HER2 first line")
    courses.assign(course, case.id, canvas_assignment_id="48213")
    resident = make_user("resident", name="=Rita Resident", email="rita@test.edu")
    enrol(course, resident)
    attempt = make_attempt(resident, case, course, points=17.5, completed_at=at(30))
    make_choice(attempt, 1, decided_at=at(25))
    return course


def run(runner, *args):
    return runner.invoke(args=["export", *args])


@pytest.mark.parametrize(
    ("command", "header"),
    [
        (["leaderboard"], b"name,email,HER2 first line,total,rank,completed_at\r\n"),
        (["leaderboard", "--format", "csv"], b"name,email,HER2 first line,total,rank,"),
        (["canvas"], b"Student,ID,SIS User ID,SIS Login ID,Section,HER2 first line (48213)\r\n"),
        (["moodle"], b"Email address,ID number,First name,Last name,HER2 first line\r\n"),
        (["research"], b"learner,case,case_version,guideline_version,decision,option,"),
        (["research", "--pseudonymise"], b"learner,case,case_version,"),
    ],
)
def test_each_export_writes_its_file(runner, course, tmp_path, command, header):
    target = tmp_path / "out.csv"
    result = run(runner, *command, "--course", course.join_code, "-o", str(target))
    assert result.exit_code == 0, result.output
    data = target.read_bytes()
    assert data.startswith(BOM + header)
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")


def test_leaderboard_rows_are_neutralised(runner, course, tmp_path):
    target = tmp_path / "board.csv"
    run(runner, "leaderboard", "--course", course.join_code, "-o", str(target))
    lines = target.read_bytes().decode("utf-8-sig").split("\r\n")
    assert lines[1] == "'=Rita Resident,rita@test.edu,17.5,17.5,1,2026-03-02T09:30:00Z"


def test_research_pseudonymised_has_no_email(runner, course, tmp_path):
    target = tmp_path / "research.csv"
    run(runner, "research", "--course", course.join_code, "--pseudonymise", "-o", str(target))
    row = target.read_bytes().decode("utf-8-sig").split("\r\n")[1]
    assert row.startswith("p-") and "rita@test.edu" not in row


def test_leaderboard_json_to_stdout(runner, course):
    result = run(runner, "leaderboard", "--course", course.join_code.lower(), "--format", "json")
    assert result.exit_code == 0, result.output
    assert not result.stdout_bytes.startswith(BOM)
    (row,) = json.loads(result.stdout)
    assert (row["name"], row["rank"], row["total"]) == ("=Rita Resident", 1, 17.5)


def test_csv_to_stdout_with_a_dash(runner, course):
    result = run(runner, "canvas", "--course", course.join_code, "-o", "-")
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(BOM + b"Student,")


@pytest.mark.parametrize("command", ["leaderboard", "canvas", "moodle", "research"])
def test_an_unknown_course_is_one_line_on_stderr_and_exit_2(runner, course, tmp_path, command):
    target = tmp_path / "never.csv"
    result = run(runner, command, "--course", "NOSUCH23", "-o", str(target))
    assert result.exit_code == 2
    assert result.stderr == "error: no course has the join code 'NOSUCH23'\n"
    assert result.stdout == ""
    assert not target.exists()


def test_a_bad_format_is_a_usage_error(runner, course):
    result = run(runner, "leaderboard", "--course", course.join_code, "--format", "xlsx")
    assert result.exit_code == 2


def test_write_lines_gathers_lines_into_chunks():
    out = io.BytesIO()
    lines = [f"line {n}\r\n" for n in range(1000)]
    assert write_lines(iter(lines), out, chunk_bytes=100) == 1000
    assert out.getvalue() == "".join(lines).encode()
