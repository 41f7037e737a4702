"""Lint checks that ask the guideline: vocabulary, patient values and the verdicts on paths.

Authors never key a verdict; the engine does. So the checks that matter most are here:
on every path a learner can take, each decision must offer at least one option the engine
prefers for the patient the learner has on that path. Otherwise the case and the guideline
disagree, and a learner could do nothing right.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from edu.cases.citations import Citation, find_citations
from edu.cases.model import Case, Event, Node, QuizBank
from edu.cases.paths import Visit, walk
from edu.cases.report import Report, listing, suggest
from edu.cases.state import (
    DISPLAY_KEYS,
    LINE_DECISION,
    PSEUDO_EVENTS,
    PatientState,
    pseudo_event_problem,
    split_patient,
)
from edu.guideline import (
    VERDICTS,
    GuidelineError,
    MissingPatientAttribute,
    UnknownDecisionKind,
    UnknownGuidelineVersion,
)

if TYPE_CHECKING:
    from edu.guideline import Evaluation, Guideline, GuidelineLibrary


class Judge:
    """The engine's verdicts, memoised for one lint run (many paths share one patient)."""

    def __init__(self, library: GuidelineLibrary | None = None) -> None:
        self.library = library
        self._cache: dict[tuple, Evaluation | GuidelineError] = {}
        self._families: dict[str, list[Guideline]] = {}

    def evaluate(
        self, guideline: Guideline, kind: str, state: PatientState, codes: Sequence[str]
    ) -> Evaluation | GuidelineError:
        """Return the engine's evaluation, or the GuidelineError it raised."""
        key = (guideline.version, kind, state.engine_key(), tuple(codes))
        if key not in self._cache:
            try:
                self._cache[key] = guideline.evaluate(kind, state.engine_patient(), list(codes))
            except GuidelineError as exc:
                self._cache[key] = exc
        return self._cache[key]

    def family_versions(self, family: str) -> list[Guideline]:
        """Return the versions of ``family``, newest first (none without a library)."""
        if family not in self._families:
            library = self.library
            versions = [library.get(name) for name in library.versions()] if library else []
            self._families[family] = [g for g in versions if g.family == family]
        return self._families[family]


def resolve(name: str, line: int, library: GuidelineLibrary, report: Report) -> Guideline | None:
    """Return the guideline a file names, or None after recording why it is unknown."""
    if not name:
        return None  # missing or invalid: the front-matter check has said so
    try:
        return library.get(name)
    except UnknownGuidelineVersion:
        known = [*library.families(), *library.versions()]
        report.error(
            line,
            f"unknown guideline '{name}'{suggest(name, known)}: name a family "
            f"({listing(library.families())}, meaning its newest version) or a version "
            f"({listing(library.versions())})",
        )
        return None


def attribute_names(guideline: Guideline) -> list[str]:
    """Return the contract's patient attribute names for ``guideline``."""
    return list(guideline.attributes())


def check_case(case: Case, library: GuidelineLibrary, judge: Judge, report: Report) -> None:
    """Record every guideline-related problem of ``case``."""
    guideline = resolve(case.guideline, case.line_of("guideline"), library, report)
    if guideline is None:
        return
    attributes = attribute_names(guideline)
    before = len(report.findings)
    has_patient = _check_patient(case, guideline, attributes, report)
    for node in case.nodes.values():
        for event in node.events:
            _check_event(event, guideline, attributes, report)
    patient_ok = has_patient and len(report.findings) == before
    offered = _check_decisions(case, guideline, judge, report)
    if patient_ok:
        # With a bad baseline or event every verdict below would fail for the same reason;
        # the errors above already point at it.
        _check_paths(case, guideline, judge, offered, report)
    check_citations(find_citations(case.texts), guideline, judge, report)


def check_quiz(bank: QuizBank, library: GuidelineLibrary, judge: Judge, report: Report) -> None:
    """Record unknown guideline, citations and pitfalls of a quiz bank."""
    guideline = resolve(bank.guideline, bank.line_of("guideline"), library, report)
    if guideline is None:
        return
    check_citations(find_citations(bank.texts), guideline, judge, report)
    for item in bank.items:
        line = item.citations_line or item.line
        check_citations((Citation(t, line) for t in item.citations), guideline, judge, report)
        for pitfall in item.pitfalls:
            if pitfall.startswith("P") and pitfall not in guideline.pitfalls:
                report.error(
                    item.pitfalls_line or item.line,
                    f"pitfall '{pitfall}' is not a pitfall of {guideline.version}: "
                    f"use one of {listing(guideline.pitfalls, 30)}",
                )


def check_citations(
    citations: Iterable[Citation], guideline: Guideline, judge: Judge, report: Report
) -> None:
    """Record citations of trials that are not in the guideline's evidence registry."""
    registry = guideline.evidence
    for citation in citations:
        if citation.trial in registry:
            continue
        newer = next(
            (
                g.version
                for g in judge.family_versions(guideline.family)
                if citation.trial in g.evidence
            ),
            None,
        )
        if newer:
            report.error(
                citation.line,
                f"[{citation.trial}] is in the evidence registry of {newer}, not of "
                f"{guideline.version}: cite it only in cases on that version or later",
            )
        else:
            report.error(
                citation.line,
                f"[{citation.trial}] is not in the evidence registry"
                f"{suggest(citation.trial, registry.ids())}: cite one of "
                f"{listing(registry.ids(), 20)}, or drop the square brackets if it is "
                "not a citation",
            )


def _check_patient(case: Case, guideline: Guideline, attributes: list[str], report: Report) -> bool:
    """Check the baseline; return False when there is none (its absence is reported)."""
    if "patient" not in case.locations:
        return False
    engine, _ = split_patient(case.patient)
    unknown = [name for name in engine if name not in attributes]
    for name in unknown:
        report.error(
            case.line_of(f"patient.{name}", case.line_of("patient")),
            f"unknown patient attribute '{name}'{suggest(name, [*attributes, *DISPLAY_KEYS])}: "
            f"use a guideline attribute ({listing(attributes, 30)}) or a display fact "
            f"({listing(DISPLAY_KEYS, 30)})",
        )
    if unknown:
        return True
    try:
        guideline.validate_patient(engine)
    except GuidelineError as exc:
        named = next((name for name in attributes if f"'{name}'" in str(exc)), None)
        line = case.line_of(f"patient.{named}", case.line_of("patient"))
        if isinstance(exc, MissingPatientAttribute):
            line = case.line_of("patient")
        report.error(line, f"patient: {exc}: fix it under 'patient:' in the front matter")
    return True


def _check_event(event: Event, guideline: Guideline, attributes: list[str], report: Report) -> None:
    if event.attribute in PSEUDO_EVENTS:
        problem = pseudo_event_problem(event)
        if problem is None and event.attribute == "progressed_on" and event.value != "chosen":
            codes = guideline.codes(LINE_DECISION)
            if event.value not in codes:
                problem = (
                    f"progressed_on: {event.value} is not a {LINE_DECISION} code"
                    f"{suggest(str(event.value), codes)}: name the regimen that failed "
                    "(or write 'chosen')"
                )
        if problem:
            report.error(event.line, problem)
        return
    if event.attribute in DISPLAY_KEYS:
        return
    if event.attribute not in attributes:
        known = [*attributes, *PSEUDO_EVENTS, *DISPLAY_KEYS]
        report.error(
            event.line,
            f"unknown event attribute '{event.attribute}'{suggest(event.attribute, known)}: "
            f"use a patient attribute ({listing(attributes, 30)}) or "
            f"{listing(PSEUDO_EVENTS)}",
        )
        return
    try:
        guideline.validate_patient({event.attribute: event.value})
    except MissingPatientAttribute:
        pass  # the event alone is not a whole patient; only its own value matters here
    except GuidelineError as exc:
        report.error(event.line, f"event: {exc}: fix the value")


def _check_decisions(
    case: Case, guideline: Guideline, judge: Judge, report: Report
) -> dict[str, tuple[str, ...]]:
    """Check kinds and codes; return the valid codes offered at each checkable decision."""
    kinds = guideline.decision_kinds()
    offered: dict[str, tuple[str, ...]] = {}
    for node in case.decisions():
        kind = node.decision or ""
        line = node.decision_line or node.line
        if not kind:
            continue
        try:
            codes = guideline.codes(kind)
        except UnknownDecisionKind:
            report.error(
                line,
                f"unknown decision kind '{kind}'{suggest(kind, kinds)}: use one of "
                f"{listing(kinds, 20)}",
            )
            continue
        valid = []
        for option in node.options:
            if option.code in codes:
                valid.append(option.code)
            else:
                report.error(option.line, _unknown_code(option.code, kind, codes, guideline, judge))
        if len(valid) == len(node.options):
            offered[node.id] = tuple(valid)
    return offered


def _unknown_code(
    code: str, kind: str, codes: Sequence[str], guideline: Guideline, judge: Judge
) -> str:
    later = [
        g.version
        for g in judge.family_versions(guideline.family)
        if kind in g.decision_kinds() and code in g.codes(kind)
    ]
    if later:
        return (
            f"{code} is not a {kind} option under {guideline.version} (it exists from "
            f"{later[-1]}): remove the option, or score the case against "
            f"'guideline: {guideline.family}'"
        )
    return (
        f"unknown option code {code} for a {kind} decision{suggest(code, codes)}: "
        f"use one of {listing(codes, 30)}"
    )


def _check_paths(
    case: Case,
    guideline: Guideline,
    judge: Judge,
    offered: dict[str, tuple[str, ...]],
    report: Report,
) -> None:
    """Judge every decision on every distinct path; report each problem once per decision."""
    newest, base = _aging_versions(guideline, judge)
    reported: set[tuple[str, str]] = set()

    def once(node: Node, what: str) -> bool:
        if (node.id, what) in reported:
            return False
        reported.add((node.id, what))
        return True

    def problem(line: int, message: str) -> None:
        # One report per event line: every further path repeats the same mistake.
        if ("", str(line)) not in reported:
            reported.add(("", str(line)))
            report.error(line, message)

    for visit in walk(case, problem):
        node = visit.node
        codes = offered.get(node.id)
        if node.kind != "decision" or not codes or node.decision is None:
            continue
        line = node.decision_line or node.line
        result = judge.evaluate(guideline, node.decision, visit.state, codes)
        if isinstance(result, GuidelineError):
            if once(node, "engine"):
                fix = (
                    "give the patient that attribute (front matter or an event before this node)"
                    if isinstance(result, MissingPatientAttribute)
                    else "fix the patient or the events on this path"
                )
                report.error(
                    line,
                    f"the guideline cannot judge '{node.id}' on the path {visit.describe()}: "
                    f"{result}: {fix}",
                )
            continue
        if not any(j.verdict == "preferred" for j in result.judgements) and once(node, "preferred"):
            _report_no_preferred(node, visit, guideline, judge, result, line, report)
        if newest is not None:
            _aging(node, visit, codes, guideline, newest, base, judge, once, report)


def _report_no_preferred(
    node: Node,
    visit: Visit,
    guideline: Guideline,
    judge: Judge,
    result: Evaluation,
    line: int,
    report: Report,
) -> None:
    """Error when the case leaves out what the guideline prefers for this patient.

    Where the guideline prefers no option at all for this patient (in pregnancy it names
    none), case and guideline do not disagree: the decision is scored for safety only, and
    the case must still offer the best verdict there is.
    """
    everything = judge.evaluate(
        guideline, node.decision or "", visit.state, guideline.codes(node.decision or "")
    )
    if not isinstance(everything, GuidelineError):
        available = {j.verdict for j in everything.judgements}
        best = next(v for v in VERDICTS if v in available)
        if best != "preferred":
            offered = {j.verdict for j in result.judgements}
            if best in offered:
                report.warning(
                    line,
                    f"on the path {visit.describe()}, the guideline prefers no option of "
                    f"'{node.id}' for this patient ({visit.state.summary()}); the decision is "
                    f"scored for safety only (best available verdict: {best}). Nothing to fix "
                    "unless you meant to teach a preferred choice here",
                )
                return
    report.error(line, _no_preferred(node, visit, guideline, judge, result))


def _no_preferred(
    node: Node, visit: Visit, guideline: Guideline, judge: Judge, result: Evaluation
) -> str:
    everything = judge.evaluate(
        guideline, node.decision or "", visit.state, guideline.codes(node.decision or "")
    )
    best = (
        [j.code for j in everything.judgements if j.verdict == "preferred"]
        if not isinstance(everything, GuidelineError)
        else []
    )
    line_part = f"effective line {result.effective_line}, " if result.effective_line else ""
    fix = f"add {' or '.join(best)}" if best else "add the option the guideline prefers"
    return (
        f"on the path {visit.describe()}, no option of '{node.id}' is preferred under "
        f"{guideline.version} for this patient ({line_part}{visit.state.summary()}): "
        f"{fix}, or change the events on this path"
    )


def _aging_versions(
    guideline: Guideline, judge: Judge
) -> tuple[Guideline | None, Guideline | None]:
    """Return ``(newest, base)``: warn about codes newest prefers that base did not."""
    family = judge.family_versions(guideline.family)
    if len(family) < 2:
        return None, None
    newest = family[0]
    if guideline.version != newest.version:
        return newest, guideline
    return newest, family[1]


def _aging(
    node: Node,
    visit: Visit,
    codes: tuple[str, ...],
    guideline: Guideline,
    newest: Guideline,
    base: Guideline | None,
    judge: Judge,
    once: Callable[[Node, str], bool],
    report: Report,
) -> None:
    """Warn when the newest version prefers a code this decision does not offer."""
    kind = node.decision or ""
    if kind not in newest.decision_kinds():
        return
    now = judge.evaluate(newest, kind, visit.state, newest.codes(kind))
    if isinstance(now, GuidelineError):
        return
    before: dict[str, str] = {}
    if base is not None and kind in base.decision_kinds():
        then = judge.evaluate(base, kind, visit.state, base.codes(kind))
        if not isinstance(then, GuidelineError):
            before = {j.code: j.verdict for j in then.judgements}
    for judgement in now.judgements:
        code = judgement.code
        if (
            judgement.verdict == "preferred"
            and code not in codes
            and before.get(code) != "preferred"
            and once(node, f"aging:{code}")
        ):
            moved = (
                ""
                if guideline.version == newest.version
                else f" (after moving the case from {guideline.version} to "
                f"'guideline: {guideline.family}')"
            )
            report.warning(
                node.decision_line or node.line,
                f"this decision does not offer {code}, preferred under {newest.version} "
                f"on the path {visit.describe()} — consider adding it{moved}",
            )
