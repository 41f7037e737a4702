"""Which rules and pitfalls of a guideline the case library teaches (``flask cases coverage``).

A decision exercises a rule when, on some path, the engine's judgement of an offered option
came from that rule (or an overlay rule touched an offered option); it exercises a pitfall
when some offered option's judgement carries it. A quiz item exercises the pitfalls it
lists. A rule or pitfall nobody exercises is one the library never teaches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from edu.cases.model import Case, Document, QuizBank
from edu.cases.paths import walk
from edu.cases.verdicts import Judge

if TYPE_CHECKING:
    from edu.guideline import Evaluation, Guideline

#: How many uses to name per rule before "and N more": enough to find examples.
SHOWN_USES = 6


@dataclass(frozen=True)
class Use:
    """One place that exercises a rule or pitfall: a case decision or a quiz item."""

    document: str
    where: str
    path: str
    line: int
    kind: str  # "case" | "quiz"

    def __str__(self) -> str:
        return f"{self.document}#{self.where}"


@dataclass
class Coverage:
    """Uses per rule and per pitfall of one guideline version, in the guideline's order."""

    guideline: str
    rule_titles: dict[str, str]
    pitfall_titles: dict[str, str]
    rules: dict[str, list[Use]] = field(default_factory=dict)
    pitfalls: dict[str, list[Use]] = field(default_factory=dict)
    cases: int = 0
    quiz_banks: int = 0

    @property
    def uncovered_rules(self) -> list[str]:
        """Rule ids no decision exercises."""
        return [rule for rule, uses in self.rules.items() if not uses]

    @property
    def uncovered_pitfalls(self) -> list[str]:
        """Pitfall ids no decision or quiz item exercises."""
        return [pitfall for pitfall, uses in self.pitfalls.items() if not uses]

    @property
    def ok(self) -> bool:
        """True when every rule and every pitfall is exercised."""
        return not self.uncovered_rules and not self.uncovered_pitfalls

    def to_text(self) -> str:
        """Return the report printed by ``flask cases coverage``."""
        covered_rules = len(self.rules) - len(self.uncovered_rules)
        covered_pitfalls = len(self.pitfalls) - len(self.uncovered_pitfalls)
        lines = [
            f"Coverage of {self.guideline} by {self.cases} cases and {self.quiz_banks} quiz "
            f"banks: {covered_rules} of {len(self.rules)} rules, {covered_pitfalls} of "
            f"{len(self.pitfalls)} pitfalls exercised",
            "",
            "Rules",
        ]
        lines += _section(self.rules, self.rule_titles)
        lines += ["", "Pitfalls"]
        lines += _section(self.pitfalls, self.pitfall_titles)
        if not self.ok:
            lines += [
                "",
                f"Uncovered: {', '.join(self.uncovered_rules + self.uncovered_pitfalls)}: "
                "add a decision (or quiz item) whose options the engine judges by them",
            ]
        return "\n".join(lines)


def _section(uses: dict[str, list[Use]], titles: dict[str, str]) -> list[str]:
    lines = []
    for key, found in uses.items():
        lines.append(f"  {key}  {titles.get(key, '')}".rstrip())
        if not found:
            lines.append("      UNCOVERED")
            continue
        shown = ", ".join(str(use) for use in found[:SHOWN_USES])
        more = f" and {len(found) - SHOWN_USES} more" if len(found) > SHOWN_USES else ""
        lines.append(f"      {shown}{more}")
    return lines


def compute_coverage(
    documents: Iterable[Document], guideline: Guideline, judge: Judge | None = None
) -> Coverage:
    """Return which rules and pitfalls of ``guideline`` the documents exercise.

    Cases are judged under ``guideline`` (normally the newest version of their family),
    whatever version they pin, because the question is what the current rules teach.
    Cases of another guideline family are skipped.
    """
    coverage = Coverage(
        guideline=guideline.version,
        rule_titles={rule.id: rule.title for rule in guideline.rules},
        pitfall_titles={pid: pitfall.title for pid, pitfall in guideline.pitfalls.items()},
        rules={rule.id: [] for rule in guideline.rules},
        pitfalls={pid: [] for pid in guideline.pitfalls},
    )
    judge = judge or Judge()
    for document in documents:
        if isinstance(document, QuizBank):
            coverage.quiz_banks += 1
            for item in document.items:
                use = Use(document.id, item.id, document.path, item.line, "quiz")
                for pitfall in item.pitfalls:
                    _add(coverage.pitfalls, pitfall, use)
        elif _same_family(document, guideline):
            coverage.cases += 1
            _cover_case(document, guideline, judge, coverage)
    return coverage


def _same_family(case: Case, guideline: Guideline) -> bool:
    return case.guideline == guideline.family or case.guideline.startswith(guideline.family + "-")


def _cover_case(case: Case, guideline: Guideline, judge: Judge, coverage: Coverage) -> None:
    kinds = guideline.decision_kinds()
    for visit in walk(case, lambda line, message: None):
        node = visit.node
        if node.kind != "decision" or node.decision not in kinds:
            continue
        valid = set(kinds[node.decision])
        codes = [option.code for option in node.options if option.code in valid]
        if not codes:
            continue
        result = judge.evaluate(guideline, node.decision, visit.state, codes)
        if isinstance(result, Exception):
            continue  # the linter reports it; coverage only counts what the engine judged
        use = Use(case.id, node.id, case.path, node.decision_line or node.line, "case")
        for rule_id in _rules_behind(result, guideline, node.decision, codes):
            _add(coverage.rules, rule_id, use)
        for judgement in result.judgements:
            for pitfall in judgement.pitfalls:
                _add(coverage.pitfalls, pitfall, use)


def _rules_behind(
    result: Evaluation, guideline: Guideline, decision: str, codes: list[str]
) -> set[str]:
    """The rules whose verdicts (or flags) reached an offered option."""
    rules = {judgement.rule for judgement in result.judgements}
    by_id = {rule.id: rule for rule in guideline.rules}
    for rule_id in getattr(result, "rules_applied", ()):
        rule = by_id.get(rule_id)
        if rule is not None and rule.overlay and set(rule.codes(decision)) & set(codes):
            rules.add(rule_id)
    return rules


def _add(uses: dict[str, list[Use]], key: str, use: Use) -> None:
    found = uses.get(key)  # ids the guideline does not know are the linter's business
    if found is not None and not any(str(other) == str(use) for other in found):
        found.append(use)
