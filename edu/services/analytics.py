"""Per-case analytics for instructors: attempts, completion, scores, choices and pitfalls.

Definitions (also in ``docs/authoring.md``):

- Only real attempts count: previews by authors are left out.
- The course and date filters apply to the attempt (``started_at``, both dates inclusive).
- *Completion rate* = completed attempts / attempts started (abandoned ones included).
- *Score* = points / maximum points of a completed attempt, in percent; the histogram has
  ten 10-point buckets, the last one 90-100 inclusive.
- *Option share* = how many of the choices made at a decision picked that option. Its
  *verdict* is the one stored with those choices (what learners were scored on); when the
  same option was judged differently on different paths, the most frequent verdict is shown
  and marked "varies". An option nobody chose is judged on the patient most learners had
  at that decision.
- *Pitfalls* are counted per hit (a learner falling into P1 twice counts 2) and per
  attempt (how many attempts hit it at least once).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from statistics import median

from sqlalchemy import select

from edu.cases import Case, InvalidPath, state_on_path
from edu.extensions import db
from edu.guideline import GuidelineError
from edu.models import Attempt, CaseRecord, CaseVersion, Choice, Course
from edu.scoring import percent
from edu.services.content import BrokenVersion, parsed
from edu.services.guidelines import current_library

#: Lower bounds of the score histogram's buckets (percent); the last is 90-100.
BUCKETS = tuple(range(0, 100, 10))


@dataclass(frozen=True)
class Filters:
    """The filters of the analytics page: a course and an inclusive date range."""

    course_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def apply(self, query):
        if self.course_id is not None:
            query = query.where(Attempt.course_id == self.course_id)
        if self.date_from is not None:
            query = query.where(Attempt.started_at >= datetime.combine(self.date_from, time.min))
        if self.date_to is not None:
            end = datetime.combine(self.date_to + timedelta(days=1), time.min)
            query = query.where(Attempt.started_at < end)
        return query


@dataclass(frozen=True)
class Bucket:
    low: int
    high: int
    count: int

    @property
    def label(self) -> str:
        return f"{self.low}–{self.high}%"


@dataclass
class OptionStat:
    code: str
    label: str
    count: int
    share: float  # 0..100, one decimal
    verdict: str | None
    verdict_varies: bool = False


@dataclass
class DecisionStat:
    node_id: str
    title: str
    decision: str
    choices: int
    options: list[OptionStat] = field(default_factory=list)


@dataclass(frozen=True)
class PitfallStat:
    id: str
    title: str
    hits: int
    attempts: int
    share: float  # of attempts with at least one choice, percent


@dataclass
class CaseAnalytics:
    """Everything the analytics page shows for one case under one set of filters."""

    case: CaseRecord
    filters: Filters
    attempts: int = 0
    completed: int = 0
    in_progress: int = 0
    safety_errors: int = 0
    mean_score: float | None = None
    median_score: float | None = None
    histogram: list[Bucket] = field(default_factory=list)
    decisions: list[DecisionStat] = field(default_factory=list)
    pitfalls: list[PitfallStat] = field(default_factory=list)

    @property
    def completion_rate(self) -> float | None:
        return percent(self.completed, self.attempts)

    @property
    def histogram_max(self) -> int:
        return max((bucket.count for bucket in self.histogram), default=0)


def case_analytics(case: CaseRecord, filters: Filters | None = None) -> CaseAnalytics:
    """Return the analytics of ``case`` for the attempts matching ``filters``."""
    filters = filters or Filters()
    result = CaseAnalytics(case, filters)
    attempts = list(
        db.session.scalars(
            filters.apply(
                select(Attempt).where(Attempt.case_id == case.id, Attempt.preview.is_(False))
            ).order_by(Attempt.id)
        )
    )
    result.attempts = len(attempts)
    result.completed = sum(a.status == "completed" for a in attempts)
    result.in_progress = sum(a.status == "in_progress" for a in attempts)
    scores = [
        score
        for a in attempts
        if a.status == "completed" and (score := percent(a.points, a.max_points)) is not None
    ]
    result.histogram = histogram(scores)
    if scores:
        result.mean_score = round(sum(scores) / len(scores), 1)
        result.median_score = round(median(scores), 1)
    by_id = {a.id: a for a in attempts}
    choices = (
        list(
            db.session.scalars(
                select(Choice).where(Choice.attempt_id.in_(list(by_id))).order_by(Choice.id)
            )
        )
        if by_id
        else []
    )
    result.safety_errors = sum(bool(c.safety_error) for c in choices)
    result.decisions = _decisions(case, choices, by_id)
    result.pitfalls = _pitfalls(choices, attempts_with_choices=len({c.attempt_id for c in choices}))
    return result


def histogram(scores: list[float]) -> list[Bucket]:
    """Return the ten score buckets (0–10 … 90–100; 100 falls in the last)."""
    counts = Counter(min(int(score // 10) * 10, 90) for score in scores)
    return [Bucket(low, low + 10, counts.get(low, 0)) for low in BUCKETS]


def _decisions(
    case: CaseRecord, choices: list[Choice], attempts: dict[int, Attempt]
) -> list[DecisionStat]:
    document = _document(case)
    by_node: dict[str, list[Choice]] = defaultdict(list)
    for choice in choices:
        by_node[choice.node_id].append(choice)
    stats = []
    order: list[str] = []
    if isinstance(document, Case):
        order = [node.id for node in document.decisions()]
    elif document is not None:
        order = [item.id for item in document.items]
    order += [node_id for node_id in by_node if node_id not in order]
    for node_id in order:
        made = by_node.get(node_id, [])
        stats.append(_decision(document, node_id, made, attempts))
    return stats


def _decision(
    document, node_id: str, made: list[Choice], attempts: dict[int, Attempt]
) -> DecisionStat:
    node = document.nodes.get(node_id) if isinstance(document, Case) else None
    item = None
    if document is not None and not isinstance(document, Case):
        item = next((i for i in document.items if i.id == node_id), None)
    title = node.title if node else (item.title if item else node_id)
    decision = node.decision if node else (made[0].decision if made else "quiz")
    codes: list[tuple[str, str]] = []
    if node is not None:
        codes = [(o.code, o.label) for o in node.options]
    elif item is not None:
        codes = [(letter, text) for letter, text in item.choices]
    counts = Counter(c.option_code for c in made)
    verdicts: dict[str, Counter] = defaultdict(Counter)
    for choice in made:
        verdicts[choice.option_code][choice.verdict] += 1
    known = {code for code, _ in codes}
    codes += [(code, code) for code in counts if code not in known]
    unchosen = [code for code, _ in codes if not counts.get(code)]
    computed = _judge_unchosen(document, node, made, attempts, unchosen) if unchosen else {}
    if item is not None:
        computed.update(
            {letter: "correct" if letter == item.answer else "incorrect" for letter in unchosen}
        )
    total = len(made)
    options = []
    for code, label in codes:
        seen = verdicts.get(code)
        verdict = seen.most_common(1)[0][0] if seen else computed.get(code)
        options.append(
            OptionStat(
                code=code,
                label=label,
                count=counts.get(code, 0),
                share=percent(counts.get(code, 0), total) or 0.0,
                verdict=verdict,
                verdict_varies=bool(seen and len(seen) > 1),
            )
        )
    return DecisionStat(node_id, title, decision or "", total, options)


def _judge_unchosen(
    document, node, made: list[Choice], attempts: dict[int, Attempt], codes: list[str]
) -> dict[str, str]:
    """Verdicts of options nobody chose, on the patient most learners had at ``node``."""
    if not isinstance(document, Case) or node is None or node.kind != "decision":
        return {}
    library = current_library()
    prefixes: Counter = Counter()
    versions: Counter = Counter()
    for choice in made:
        path = attempts[choice.attempt_id].path or []
        prefixes[tuple((n, c) for n, c in path[: choice.step])] += 1
        versions[choice.guideline_version] += 1
    steps = list(prefixes.most_common(1)[0][0]) if prefixes else []
    try:
        guideline = (
            library.get(versions.most_common(1)[0][0])
            if versions
            else library.get(document.guideline or None)
        )
        if not steps:
            state = _any_state_at(document, node.id)
        else:
            state = state_on_path(document, [*steps, (node.id, None)])
        if state is None:
            return {}
        known = [code for code in codes if guideline.has_code(code)]
        evaluation = guideline.evaluate(node.decision, state.engine_patient(), known)
    except (InvalidPath, GuidelineError):
        return {}
    return {j.code: j.verdict for j in evaluation.judgements}


def _any_state_at(case: Case, node_id: str):
    from edu.cases.paths import walk

    for visit in walk(case, lambda line, message: None):
        if visit.node.id == node_id:
            return visit.state
    return None


def _pitfalls(choices: list[Choice], attempts_with_choices: int) -> list[PitfallStat]:
    library = current_library()
    hits: Counter = Counter()
    attempts: dict[str, set[int]] = defaultdict(set)
    for choice in choices:
        for pitfall in choice.pitfalls or []:
            hits[pitfall] += 1
            attempts[pitfall].add(choice.attempt_id)
    stats = []
    for pitfall_id, count in sorted(hits.items(), key=lambda kv: (-kv[1], _pitfall_order(kv[0]))):
        known = library.pitfalls.get(pitfall_id)
        stats.append(
            PitfallStat(
                id=pitfall_id,
                title=known.title if known else pitfall_id,
                hits=count,
                attempts=len(attempts[pitfall_id]),
                share=percent(len(attempts[pitfall_id]), attempts_with_choices) or 0.0,
            )
        )
    return stats


def _pitfall_order(pitfall_id: str) -> tuple[int, str]:
    digits = "".join(ch for ch in pitfall_id if ch.isdigit())
    return (int(digits) if digits else 0, pitfall_id)


def _document(case: CaseRecord):
    version = case.published_version or db.session.scalar(
        select(CaseVersion)
        .where(CaseVersion.case_id == case.id)
        .order_by(CaseVersion.number.desc())
        .limit(1)
    )
    if version is None:
        return None
    try:
        return parsed(version)
    except BrokenVersion:
        return None


def filter_courses(case: CaseRecord) -> list[Course]:
    """Return the courses with at least one attempt at ``case`` (the course filter's list)."""
    query = (
        select(Course)
        .where(
            Course.id.in_(
                select(Attempt.course_id).where(
                    Attempt.case_id == case.id, Attempt.course_id.is_not(None)
                )
            )
        )
        .order_by(Course.title)
    )
    return list(db.session.scalars(query))
