"""The plain leaderboard CSV."""

import csv
import io
from datetime import UTC, datetime, timedelta, timezone

from edu.exports import Assignment, LeaderboardRow, leaderboard_csv, leaderboard_header

ASSIGNMENTS = [
    Assignment(id="a1", title="HER2 first line", points_possible=20),
    Assignment(id="a2", title="HER2, quiz 1", points_possible=10),
]
ROWS = [
    LeaderboardRow(
        name="Doe, Jane",
        email="jdoe@med.example.edu",
        scores={"a1": 17.5, "a2": 10.0},
        total=27.5,
        rank=1,
        completed_at=datetime(2026, 3, 2, 10, 14, 5, tzinfo=timezone(timedelta(hours=1))),
    ),
    LeaderboardRow(
        name='=HYPERLINK("http://x")',
        email="x@example.edu",
        scores={"a1": 12},
        total=12,
        rank=2,
        completed_at=datetime(2026, 3, 3, 8, 0, tzinfo=UTC),
    ),
    LeaderboardRow(name="Idle", email="idle@example.edu", total=0, rank=3),
]


def test_header_is_exposed():
    assert leaderboard_header(ASSIGNMENTS) == [
        "name",
        "email",
        "HER2 first line",
        "HER2, quiz 1",
        "total",
        "rank",
        "completed_at",
    ]


def test_exact_lines():
    assert list(leaderboard_csv(ROWS, ASSIGNMENTS)) == [
        '\ufeffname,email,HER2 first line,"HER2, quiz 1",total,rank,completed_at\r\n',
        '"Doe, Jane",jdoe@med.example.edu,17.5,10,27.5,1,2026-03-02T09:14:05Z\r\n',
        '"\'=HYPERLINK(""http://x"")",x@example.edu,12,,12,2,2026-03-03T08:00:00Z\r\n',
        "Idle,idle@example.edu,,,0,3,\r\n",
    ]


def test_parses_back_with_the_csv_module():
    text = "".join(leaderboard_csv(ROWS, ASSIGNMENTS))
    assert text.count("\ufeff") == 1
    assert text.count("\r\n") == text.count("\n") == 4
    parsed = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert {len(line) for line in parsed} == {7}
    assert parsed[1] == [
        "Doe, Jane",
        "jdoe@med.example.edu",
        "17.5",
        "10",
        "27.5",
        "1",
        "2026-03-02T09:14:05Z",
    ]


def test_an_assignment_titled_like_a_fixed_column_gets_its_own_name():
    header = leaderboard_header([Assignment(id=1, title="total", points_possible=10)])
    assert header == ["name", "email", "total #2", "total", "rank", "completed_at"]
