"""Scoring (domain): verdicts and quiz answers to points, attempt totals, the leaderboard.

Plain values in, plain values out; no Flask or SQLAlchemy (import-linter enforces it).
"""

from edu.scoring.points import (
    DEFAULT_POINTS,
    VERDICTS,
    AttemptTotals,
    ChoiceScore,
    InvalidPointsScheme,
    PointsScheme,
    ScoringError,
    UnknownVerdict,
    as_scheme,
    percent,
    score_judgement,
    score_quiz_answer,
)
from edu.scoring.ranking import (
    AttemptResult,
    LeaderboardInput,
    Page,
    RankedRow,
    paginate,
    pseudonym,
    rank_rows,
)

__all__ = [
    "DEFAULT_POINTS",
    "VERDICTS",
    "AttemptResult",
    "AttemptTotals",
    "ChoiceScore",
    "InvalidPointsScheme",
    "LeaderboardInput",
    "Page",
    "PointsScheme",
    "RankedRow",
    "ScoringError",
    "UnknownVerdict",
    "as_scheme",
    "paginate",
    "percent",
    "pseudonym",
    "rank_rows",
    "score_judgement",
    "score_quiz_answer",
]
