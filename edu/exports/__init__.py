"""Exports (domain): plain rows in, CSV or JSON text out, one line at a time.

Writers return lazy iterators of ``str`` lines; views wrap them in a streamed response and
the CLI writes them as they come, so no file is built in memory. Every CSV cell goes through
:func:`edu.exports.cells.neutralise`, the one formula guard. Formats: ``docs/exports.md``.
"""

from edu.exports.canvas import canvas_csv, canvas_header, canvas_title
from edu.exports.cells import ExportError, csv_line, csv_lines, neutralise
from edu.exports.leaderboard_json import leaderboard_json
from edu.exports.moodle import moodle_csv, moodle_header
from edu.exports.plain_csv import leaderboard_csv, leaderboard_header
from edu.exports.research import RESEARCH_HEADER, research_csv, research_csv_tuples
from edu.exports.rows import Assignment, DecisionRow, LeaderboardRow

__all__ = [
    "RESEARCH_HEADER",
    "Assignment",
    "DecisionRow",
    "ExportError",
    "LeaderboardRow",
    "canvas_csv",
    "canvas_header",
    "canvas_title",
    "csv_line",
    "csv_lines",
    "leaderboard_csv",
    "leaderboard_header",
    "leaderboard_json",
    "moodle_csv",
    "moodle_header",
    "neutralise",
    "research_csv",
    "research_csv_tuples",
]
