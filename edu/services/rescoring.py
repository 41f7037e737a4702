"""Guideline changes: which case decisions change verdict, and re-scoring past attempts.

Re-scoring judges each past choice again, on the same patient the learner had at that
step (the attempt's own path), under a newer guideline version. The choice row is updated
so leaderboards and progress use the new score; the score it replaces is kept as a
:class:`ChoiceScore` row, so the attempt's history shows both. Running it twice changes
nothing the second time: a choice already scored under the target version is left alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from edu.cases import Case, InvalidPath, state_on_path
from edu.cases.paths import walk
from edu.extensions import db
from edu.guideline import Guideline, GuidelineError, Judgement, UnknownGuidelineVersion
from edu.guideline.versions import parse_version
from edu.models import Attempt, CaseRecord, CaseVersion, Choice, ChoiceScore, Course
from edu.scoring import score_judgement
from edu.services.content import BrokenVersion, parsed
from edu.services.guidelines import current_library

# --------------------------------------------------------------------------- what changes


@dataclass(frozen=True)
class VerdictChange:
    """One option at one decision of a case whose verdict differs between two versions."""

    node_id: str
    node_title: str
    line: int
    code: str
    old_verdict: str | None  # None: the code does not exist in the old version
    new_verdict: str
    patients: int  # how many distinct patient states at this decision show the change
    example_path: str


@dataclass
class CaseImpact:
    """The decisions of one case touched by a guideline change."""

    case: CaseRecord
    version: CaseVersion
    decisions_checked: int = 0
    changes: list[VerdictChange] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def touched(self) -> bool:
        return bool(self.changes)

    @property
    def touched_decisions(self) -> list[str]:
        return list(dict.fromkeys(change.node_id for change in self.changes))


def same_family(guideline_name: str, family: str) -> bool:
    """True when a case's ``guideline`` front matter (a family or a version) is ``family``."""
    if guideline_name == family:
        return True
    parsed_name = parse_version(guideline_name)
    return parsed_name is not None and parsed_name[0] == family


def follows_family(guideline_name: str, family: str) -> bool:
    """True when a case is scored against the *newest* of ``family`` (not pinned)."""
    # An empty name means "the newest version overall", which follows every family.
    return guideline_name in ("", family)


def case_impact(cases: Iterable[CaseRecord], old: Guideline, new: Guideline) -> list[CaseImpact]:
    """Return, per published case of the guideline's family, the verdict changes old → new.

    Every patient a learner can reach at each decision (the linter's path walk) is judged
    under both versions; an option is listed once per (decision, code, old, new) with how
    many distinct patients show the change. Untouched cases are included (empty changes).
    """
    impacts = []
    for case in cases:
        version = case.published_version
        if version is None or case.kind != "case":
            continue
        if not same_family(version.guideline or new.family, new.family):
            continue
        impacts.append(_impact(case, version, old, new))
    return impacts


def _impact(case: CaseRecord, version: CaseVersion, old: Guideline, new: Guideline) -> CaseImpact:
    impact = CaseImpact(case, version)
    try:
        document = parsed(version)
    except BrokenVersion as error:
        impact.problems.append(str(error))
        return impact
    if not isinstance(document, Case):
        return impact
    found: dict[tuple, list] = {}
    checked: set[str] = set()
    for visit in walk(document, lambda line, message: impact.problems.append(message)):
        node = visit.node
        if node.kind != "decision":
            continue
        checked.add(node.id)
        codes = [option.code for option in node.options]
        before = _judge_codes(old, node.decision, visit.state.engine_patient(), codes)
        after = _judge_codes(new, node.decision, visit.state.engine_patient(), codes)
        for code in codes:
            was, now = before.get(code), after.get(code)
            if now is None or (was is not None and was.verdict == now.verdict):
                continue
            key = (node.id, code, was.verdict if was else None, now.verdict)
            entry = found.setdefault(key, [node, 0, visit.describe()])
            entry[1] += 1
    impact.decisions_checked = len(checked)
    impact.changes = [
        VerdictChange(node_id, node.title, node.line, code, was, now, count, example)
        for (node_id, code, was, now), (node, count, example) in found.items()
    ]
    impact.changes.sort(key=lambda change: (change.line, change.code))
    return impact


def _judge_codes(
    guideline: Guideline, decision: str, patient: dict, codes: Sequence[str]
) -> dict[str, Judgement]:
    """Judge the codes this version knows; codes it does not know are simply absent."""
    known = [code for code in codes if guideline.has_code(code)]
    if not known:
        return {}
    try:
        evaluation = guideline.evaluate(decision, patient, known)
    except GuidelineError:
        return {}
    return {judgement.code: judgement for judgement in evaluation.judgements}


@dataclass(frozen=True)
class RulesDiff:
    """``flask guideline diff OLD NEW`` as text: the summary lines, then the situations."""

    summary: str
    details: str


def rules_diff(old: Guideline, new: Guideline) -> RulesDiff:
    """Return the verdict diff between two versions (the same text as the CLI prints)."""
    return _rules_diff(old, new)


@lru_cache(maxsize=16)
def _rules_diff(old: Guideline, new: Guideline) -> RulesDiff:
    # Comparing thousands of patient states takes about a second; a Guideline object
    # lives as long as its rules files are unchanged, so caching by identity is exact.
    from edu.guideline.diff import diff_guidelines

    text = diff_guidelines(old, new).to_text().strip("\n")
    head, _, rest = text.partition("\n\n")
    # The first block is the title; the second the counts; situations follow.
    counts, _, situations = rest.partition("\n\n")
    return RulesDiff(summary=f"{head}\n\n{counts}".strip(), details=situations.strip())


# --------------------------------------------------------------------------- re-scoring


@dataclass(frozen=True)
class RescoredChoice:
    """A choice whose points changed, for the report's table."""

    attempt_id: int
    case_slug: str
    node_id: str
    option_code: str
    old_verdict: str
    new_verdict: str
    old_points: float
    new_points: float


@dataclass
class RescoreReport:
    """What a re-scoring run did (or, with ``dry_run``, would do).

    ``examined`` counts the choices judged again; each is then counted once in
    ``changed_points``, ``unchanged`` or ``skipped``. ``already_current`` choices were
    scored under the target version before (a second run finds only those).
    """

    guideline_version: str
    dry_run: bool = False
    attempts: int = 0
    examined: int = 0
    changed_points: int = 0
    changed_verdict: int = 0
    unchanged: int = 0
    skipped: int = 0
    already_current: int = 0
    pinned_attempts: int = 0
    changes: list[RescoredChoice] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """Return the report as one sentence (shown after a run and in the CLI)."""
        verb = "would change" if self.dry_run else "changed"
        text = (
            f"Examined {self.examined} choice{'s' if self.examined != 1 else ''} in "
            f"{self.attempts} attempt{'s' if self.attempts != 1 else ''} under "
            f"{self.guideline_version}: {self.changed_points} {verb} points, "
            f"{self.unchanged} unchanged"
        )
        if self.skipped:
            text += f", {self.skipped} could not be judged again"
        text += "."
        if self.already_current:
            text += f" {self.already_current} already scored under {self.guideline_version}."
        return text


def rescore(
    guideline_version: str,
    *,
    case_ids: Iterable[int] | None = None,
    dry_run: bool = False,
) -> RescoreReport:
    """Re-score past attempts of cases that follow the guideline family of ``guideline_version``.

    :param guideline_version: the exact version to score under (e.g. ``her2-mbc-2026.2``).
    :param case_ids: limit to these cases (an instructor's own); None for every case.
    :param dry_run: judge and count, write nothing.
    :raises UnknownGuidelineVersion: for a name that is not an exact known version.

    Attempts of a case pinned to one exact version (``guideline: her2-mbc-2026.1`` in its
    front matter) are left alone: the author chose that version on purpose. Preview
    attempts are never scored, so they are never re-scored.
    """
    library = current_library()
    guideline = library.get(guideline_version)
    if guideline.version != guideline_version:
        # A family name would silently mean "newest": re-scoring must name what it used.
        raise UnknownGuidelineVersion(
            f"name an exact version to re-score under, e.g. {guideline.version!r}"
        )
    report = RescoreReport(guideline.version, dry_run=dry_run)
    query = (
        select(Attempt)
        .where(Attempt.kind == "case", Attempt.preview.is_(False))
        .options(selectinload(Attempt.choices))
        .order_by(Attempt.id)
    )
    if case_ids is not None:
        query = query.where(Attempt.case_id.in_(list(case_ids)))
    schemes: dict[int | None, dict | None] = {}
    for attempt in db.session.scalars(query):
        version = db.session.get(CaseVersion, attempt.case_version_id)
        if not same_family(attempt.guideline_version, guideline.family):
            continue
        if not follows_family(version.guideline, guideline.family):
            report.pinned_attempts += 1
            continue
        _rescore_attempt(attempt, version, guideline, report, schemes)
    if dry_run:
        db.session.rollback()
    return report


def _rescore_attempt(
    attempt: Attempt,
    version: CaseVersion,
    guideline: Guideline,
    report: RescoreReport,
    schemes: dict,
) -> None:
    scored = [choice for choice in attempt.choices if choice.decision != "quiz"]
    pending = [c for c in scored if c.guideline_version != guideline.version]
    report.already_current += len(scored) - len(pending)
    if not pending:
        return
    report.attempts += 1
    try:
        document = parsed(version)
    except BrokenVersion as error:
        report.skipped += len(pending)
        report.examined += len(pending)
        report.problems.append(str(error))
        return
    scheme = _scheme(attempt.course_id, schemes)
    all_done = True
    for choice in pending:
        report.examined += 1
        judgement = _judge_again(document, attempt, choice, guideline, report)
        if judgement is None:
            report.skipped += 1
            all_done = False
            continue
        score = score_judgement(judgement.verdict, scheme, pitfalls=judgement.pitfalls)
        points_changed = score.points != choice.points or score.max_points != choice.max_points
        if points_changed:
            report.changed_points += 1
            report.changes.append(
                RescoredChoice(
                    attempt.id,
                    document.id,
                    choice.node_id,
                    choice.option_code,
                    choice.verdict,
                    judgement.verdict,
                    choice.points,
                    score.points,
                )
            )
        else:
            report.unchanged += 1
        if judgement.verdict != choice.verdict:
            report.changed_verdict += 1
        if report.dry_run:
            continue
        choice.history.append(
            ChoiceScore(
                guideline_version=choice.guideline_version,
                verdict=choice.verdict,
                points=choice.points,
                max_points=choice.max_points,
            )
        )
        choice.verdict = judgement.verdict
        choice.rule = judgement.rule
        choice.points = score.points
        choice.max_points = score.max_points
        choice.safety_error = score.safety_error
        choice.pitfalls = list(judgement.pitfalls)
        choice.guideline_version = guideline.version
    if report.dry_run:
        return
    attempt.points = sum(c.points for c in attempt.choices)
    attempt.max_points = sum(c.max_points for c in attempt.choices)
    if all_done:
        # The rest of an unfinished attempt is then judged under the same version.
        attempt.guideline_version = guideline.version
    try:
        db.session.commit()
    except StaleDataError:
        # The learner moved the attempt on meanwhile; a second run picks it up.
        db.session.rollback()
        report.problems.append(f"attempt {attempt.id} changed while re-scoring; run again")


def _judge_again(
    case: Case,
    attempt: Attempt,
    choice: Choice,
    guideline: Guideline,
    report: RescoreReport,
) -> Judgement | None:
    """Judge ``choice`` again on the patient the learner had when making it."""
    path = attempt.path or []
    if choice.step >= len(path) or path[choice.step][0] != choice.node_id:
        report.problems.append(f"attempt {attempt.id}: step {choice.step} is not on its path")
        return None
    steps = [(node_id, code) for node_id, code in path[: choice.step]]
    steps.append((choice.node_id, None))
    node = case.nodes.get(choice.node_id)
    if node is None or node.kind != "decision":
        report.problems.append(f"attempt {attempt.id}: no decision '{choice.node_id}'")
        return None
    try:
        state = state_on_path(case, steps)
        evaluation = guideline.evaluate(
            node.decision, state.engine_patient(), [option.code for option in node.options]
        )
        return evaluation.for_code(choice.option_code)
    except (InvalidPath, GuidelineError) as error:
        report.problems.append(f"attempt {attempt.id}, {choice.node_id}: {error}")
        return None


def _scheme(course_id: int | None, cache: dict) -> dict | None:
    """The course's points scheme (None: the default), as play scored the choice."""
    if course_id not in cache:
        course = db.session.get(Course, course_id) if course_id is not None else None
        cache[course_id] = course.points_scheme if course else None
    return cache[course_id]


def score_history(attempt: Attempt) -> list[tuple[Choice, list[ChoiceScore]]]:
    """Return each choice of ``attempt`` with its earlier scores (oldest first)."""
    return [(choice, list(choice.history)) for choice in attempt.choices]


def cases_in_scope(case_ids: Iterable[int] | None) -> list[CaseRecord]:
    """Return the cases (all, or those with ``case_ids``) ordered by slug."""
    query = select(CaseRecord).where(CaseRecord.kind == "case").order_by(CaseRecord.slug)
    if case_ids is not None:
        query = query.where(CaseRecord.id.in_(list(case_ids)))
    return list(db.session.scalars(query))
