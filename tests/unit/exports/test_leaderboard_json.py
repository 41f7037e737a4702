"""The leaderboard as a streamed JSON array."""

import json
from datetime import UTC, datetime

from edu.exports import Assignment, LeaderboardRow, leaderboard_json

ASSIGNMENTS = [
    Assignment(id=1, title="HER2 first line", points_possible=20),
    Assignment(id=2, title="HER2 quiz 1", points_possible=10),
]


def test_chunks_join_into_one_json_array():
    rows = [
        LeaderboardRow(
            name="=Doe, Jane",
            email="jdoe@med.example.edu",
            scores={1: 17.5, 2: 0.1 + 0.2},
            total=17.8,
            rank=1,
            completed_at=datetime(2026, 3, 2, 9, 14, 5, tzinfo=UTC),
        ),
        LeaderboardRow(name="Idle", email="idle@example.edu", rank=2),
    ]
    text = "".join(leaderboard_json(rows, ASSIGNMENTS))
    assert not text.startswith("\ufeff")
    assert json.loads(text) == [
        {
            "rank": 1,
            "name": "=Doe, Jane",  # JSON is not a spreadsheet: kept as it is
            "email": "jdoe@med.example.edu",
            "scores": {"1": 17.5, "2": 0.3},
            "total": 17.8,
            "completed_at": "2026-03-02T09:14:05Z",
        },
        {
            "rank": 2,
            "name": "Idle",
            "email": "idle@example.edu",
            "scores": {"1": None, "2": None},
            "total": 0,
            "completed_at": None,
        },
    ]


def test_no_rows_is_an_empty_array():
    assert json.loads("".join(leaderboard_json([], ASSIGNMENTS))) == []
