"""Every writer streams: it yields its first line before reading the rows, then one line
per row read, so a 100,000-row export starts at once and is never held in memory."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from edu.exports import (
    Assignment,
    DecisionRow,
    LeaderboardRow,
    canvas_csv,
    leaderboard_csv,
    leaderboard_json,
    moodle_csv,
    research_csv,
)

ROWS = 100_000
WHEN = datetime(2026, 3, 2, 9, 14, 5, tzinfo=UTC)
ASSIGNMENTS = [Assignment(id=1, title="HER2 first line", points_possible=20, canvas_id=48213)]


class CountingRows:
    """An iterable of ``ROWS`` rows made on demand, recording how many were taken."""

    def __init__(self, make: Callable[[int], object]) -> None:
        self.make = make
        self.taken = 0

    def __iter__(self) -> Iterator[object]:
        for n in range(ROWS):
            self.taken = n + 1
            yield self.make(n)


def learner(n: int) -> LeaderboardRow:
    return LeaderboardRow(name=f"Learner {n}", email=f"l{n}@example.edu", scores={1: n % 21})


def decision(n: int) -> DecisionRow:
    return DecisionRow(
        n,
        f"l{n}@example.edu",
        "case",
        1,
        "her2-mbc-2026.2",
        "metastatic_line",
        "THP_DOCETAXEL",
        "preferred",
        10,
        WHEN,
    )


WRITERS = {
    "plain": (lambda rows: leaderboard_csv(rows, ASSIGNMENTS), learner, 1),
    "canvas": (lambda rows: canvas_csv(rows, ASSIGNMENTS), learner, 2),  # + Points Possible
    "moodle": (lambda rows: moodle_csv(rows, ASSIGNMENTS), learner, 1),
    "research": (lambda rows: research_csv(rows, secret="k"), decision, 1),
    "json": (lambda rows: leaderboard_json(rows, ASSIGNMENTS), learner, 1),
}


@pytest.mark.parametrize("name", WRITERS)
def test_first_line_comes_before_any_row_is_read(name):
    write, make, leading_lines = WRITERS[name]
    rows = CountingRows(make)
    lines = write(rows)
    for _ in range(leading_lines):
        next(lines)
    assert rows.taken == 0
    for read in range(1, 4):
        next(lines)
        assert rows.taken == read  # one row in, one line out
    lines.close()
    assert rows.taken < ROWS


def test_a_full_export_has_one_line_per_row():
    rows = CountingRows(learner)
    count = sum(1 for _ in leaderboard_csv(rows, ASSIGNMENTS))
    assert count == ROWS + 1
    assert rows.taken == ROWS
