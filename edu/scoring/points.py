"""Points for verdicts and quiz answers, and the totals of one attempt.

The engine contract fixes what each verdict *means* (``ENGINE-CONTRACT.md``, "Verdicts and
scoring"): preferred earns full marks, acceptable partial marks, not_recommended nothing, and
contraindicated nothing plus a safety error. How many points that is, is a course's choice,
so the numbers live in a validated :class:`PointsScheme` rather than in code.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType
from typing import Final

# Best first, as in the engine contract. Kept here until `edu.guideline.vocabulary` exports
# VERDICTS; the two must stay equal (scoring may import the vocabulary, see architecture §3).
VERDICTS: Final[tuple[str, ...]] = ("preferred", "acceptable", "not_recommended", "contraindicated")

# Read-only so that no caller can change every course's scoring by mutating a module global.
DEFAULT_POINTS: Final[Mapping[str, int]] = MappingProxyType(
    {"preferred": 10, "acceptable": 5, "not_recommended": 0, "contraindicated": 0}
)

# The one verdict that is a safety error whatever points a course gives it.
SAFETY_ERROR_VERDICT: Final = "contraindicated"


class ScoringError(ValueError):
    """Base class of the scoring errors; the message is one clear line."""


class UnknownVerdict(ScoringError):
    """A verdict that is not one of :data:`VERDICTS`."""


class InvalidPointsScheme(ScoringError):
    """A points scheme that breaks the contract (missing verdict, negative, preferred not max)."""


class PointsScheme(Mapping[str, int]):
    """An immutable, validated mapping verdict -> points.

    Rules, so that a course setting can never contradict the contract: every verdict has a
    whole number of points, none is negative, and preferred is the largest and above zero
    (otherwise "full marks" would be meaningless and percentages would divide by zero).
    Contraindicated may earn points if a course insists, but stays a safety error.

    Raises:
        InvalidPointsScheme: naming the first problem found.
    """

    __slots__ = ("_points",)

    def __init__(self, points: Mapping[str, int] = DEFAULT_POINTS) -> None:
        unknown = sorted(set(points) - set(VERDICTS))
        if unknown:
            raise InvalidPointsScheme(
                f"unknown verdict {unknown[0]!r} in points scheme; verdicts are: "
                + ", ".join(VERDICTS)
            )
        missing = [verdict for verdict in VERDICTS if verdict not in points]
        if missing:
            raise InvalidPointsScheme("points scheme is missing: " + ", ".join(missing))
        for verdict in VERDICTS:
            value = points[verdict]
            # bool is an int subclass; True points are a bug in the caller, not a score.
            if not isinstance(value, int) or isinstance(value, bool):
                raise InvalidPointsScheme(
                    f"points for {verdict!r} must be a whole number, got {value!r}"
                )
            if value < 0:
                raise InvalidPointsScheme(f"points for {verdict!r} must be >= 0, got {value}")
        full = points["preferred"]
        if full <= 0:
            raise InvalidPointsScheme("points for 'preferred' must be above 0")
        higher = [v for v in VERDICTS if points[v] > full]
        if higher:
            raise InvalidPointsScheme(
                f"'preferred' must earn the most points, but {higher[0]!r} earns "
                f"{points[higher[0]]} > {full}"
            )
        self._points: dict[str, int] = {verdict: points[verdict] for verdict in VERDICTS}

    @classmethod
    def with_overrides(cls, overrides: Mapping[str, int] | None) -> PointsScheme:
        """Return the default scheme with a course's overrides applied, validated as a whole.

        Courses usually change one number (say, acceptable = 7), so they store only that.
        """
        return cls({**DEFAULT_POINTS, **(overrides or {})})

    @property
    def full_marks(self) -> int:
        """Points for the best possible choice: what a choice is scored *out of*."""
        return self._points["preferred"]

    def points_for(self, verdict: str) -> int:
        """Return the points for ``verdict``.

        Raises:
            UnknownVerdict: if ``verdict`` is not one of :data:`VERDICTS`.
        """
        try:
            return self._points[verdict]
        except KeyError:
            raise UnknownVerdict(
                f"unknown verdict {verdict!r}; verdicts are: " + ", ".join(VERDICTS)
            ) from None

    def __getitem__(self, verdict: str) -> int:
        return self._points[verdict]

    def __iter__(self) -> Iterator[str]:
        return iter(self._points)

    def __len__(self) -> int:
        return len(self._points)

    def __repr__(self) -> str:
        return f"PointsScheme({self._points!r})"


_DEFAULT_SCHEME: Final = PointsScheme()


def as_scheme(scheme: Mapping[str, int] | None) -> PointsScheme:
    """Return ``scheme`` as a validated :class:`PointsScheme` (``None`` -> the default)."""
    if scheme is None:
        return _DEFAULT_SCHEME
    if isinstance(scheme, PointsScheme):
        return scheme
    return PointsScheme(scheme)


@dataclass(frozen=True)
class ChoiceScore:
    """The score of one scored choice (a decision or a quiz answer).

    ``pitfalls`` are the pitfall ids (``"P1"`` ...) this choice fell into; empty when the
    learner avoided them.
    """

    points: int
    max_points: int
    safety_error: bool
    pitfalls: tuple[str, ...] = ()


def score_judgement(
    verdict: str,
    scheme: Mapping[str, int] | None = None,
    *,
    pitfalls: Iterable[str] = (),
    best_available: str | None = None,
) -> ChoiceScore:
    """Return the score of a decision the engine judged ``verdict``.

    ``best_available`` is the best verdict the guideline gives any option of this decision
    for this patient. Usually ``preferred``; where the guideline prefers nothing (in
    pregnancy no regimen is preferred) the decision is scored for safety only: full marks
    are what the best available verdict earns, so nobody loses points the guideline never
    offered.

    Args:
        verdict: one of :data:`VERDICTS`, from ``Judgement.verdict``.
        scheme: the course's points (a :class:`PointsScheme` or a plain mapping, validated);
            ``None`` for :data:`DEFAULT_POINTS`.
        pitfalls: ``Judgement.pitfalls`` of the chosen option, kept as given because the
            engine already decides which pitfalls the chosen option falls into.

    Raises:
        UnknownVerdict: for a verdict outside the contract.
        InvalidPointsScheme: for a plain mapping that breaks the scheme's rules.
    """
    points = as_scheme(scheme)
    full = points.full_marks if best_available is None else points.points_for(best_available)
    return ChoiceScore(
        points=points.points_for(verdict),
        max_points=full,
        safety_error=verdict == SAFETY_ERROR_VERDICT,
        pitfalls=tuple(pitfalls),
    )


def score_quiz_answer(
    correct: bool,
    scheme: Mapping[str, int] | None = None,
    *,
    pitfalls: Iterable[str] = (),
) -> ChoiceScore:
    """Return the score of a quiz answer: full marks if correct, otherwise 0.

    A quiz item lists the pitfalls it *teaches*; a learner only falls into them by answering
    wrongly, so ``pitfalls`` are recorded for incorrect answers only. A wrong quiz answer is
    never a safety error: no patient was treated.
    """
    points = as_scheme(scheme)
    return ChoiceScore(
        points=points.full_marks if correct else 0,
        max_points=points.full_marks,
        safety_error=False,
        pitfalls=() if correct else tuple(pitfalls),
    )


def percent(points: float, max_points: float) -> float | None:
    """Return ``points`` as a percentage of ``max_points``, one decimal, halves rounded up.

    One decimal separates learners without false precision; rounding half up (not Python's
    half-to-even) is what learners expect to see (2 of 8 = 25.0, 1 of 3 = 33.3).
    Returns ``None`` when nothing was scored, which is "no score", not 0 %.
    """
    if max_points <= 0:
        return None
    exact = Decimal(str(points)) * 100 / Decimal(str(max_points))
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class AttemptTotals:
    """The sums over the scored choices of one attempt.

    ``pitfalls`` lists each pitfall hit once, in the order first hit (for the debrief);
    ``pitfall_hits`` counts every hit, so falling into P1 twice counts 2.
    """

    points: int = 0
    max_points: int = 0
    choices: int = 0
    safety_errors: int = 0
    pitfalls: tuple[str, ...] = ()
    pitfall_hits: int = 0

    @property
    def percent(self) -> float | None:
        """Points as a percentage of the maximum; see :func:`percent`."""
        return percent(self.points, self.max_points)

    @classmethod
    def from_choices(cls, choices: Iterable[ChoiceScore]) -> AttemptTotals:
        """Return the totals of ``choices`` (one pass, so a generator is fine)."""
        points = max_points = count = safety_errors = hits = 0
        seen: dict[str, None] = {}  # a dict keeps first-hit order, unlike a set
        for choice in choices:
            points += choice.points
            max_points += choice.max_points
            count += 1
            safety_errors += choice.safety_error
            hits += len(choice.pitfalls)
            seen.update(dict.fromkeys(choice.pitfalls))
        return cls(
            points=points,
            max_points=max_points,
            choices=count,
            safety_errors=safety_errors,
            pitfalls=tuple(seen),
            pitfall_hits=hits,
        )
