"""The engine: one guideline version judging options at a decision.

Evaluation, in order (see ``docs/guideline.md``):

1. validate the patient (defaults applied) and derive facts: the effective line, the
   relapse band, the drugs already given, whether the LVEF is below the label's limits;
2. pick the **base rule**: among the rows of this decision whose ``when`` holds, the one
   with the highest ``priority``, then the most conditions, then the first in the file;
3. judge each option by that row, then apply every matching **overlay** in ascending
   priority. An overlay entry replaces the verdict, except that a ``contraindicated``
   verdict is never replaced by a milder one (safety is never overruled by a later
   rule); ``mode: cap`` overlays only ever make a verdict worse; entries without a
   verdict only flag ``sources_differ`` and add their note.

Everything clinical (conditions, verdicts, thresholds, wording) is data in the rules file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from edu.guideline.conditions import FactSpec
from edu.guideline.errors import InvalidAttributeValue, UnknownDecisionKind
from edu.guideline.evidence import EvidenceRegistry
from edu.guideline.lines import LineSettings
from edu.guideline.pitfalls import Pitfall
from edu.guideline.results import EffectiveLine, Evaluation, Flag, Judgement
from edu.guideline.rules import Rule
from edu.guideline.vocabulary import VERDICT_RANK, VERDICTS, DecisionKind, Vocabulary

CONTRAINDICATED = "contraindicated"
PLAN_CACHE_SIZE = 4096


def fact_catalogue(vocabulary: Vocabulary, settings: LineSettings) -> dict[str, FactSpec]:
    """Return every fact a rule condition may name, with its type and allowed values."""
    catalogue: dict[str, FactSpec] = {}
    for name, spec in vocabulary.attributes.items():
        if spec.type == "codes":
            continue  # histories are tested through the derived facts below
        catalogue[name] = FactSpec(name, spec.type, frozenset(spec.values))
    line_codes = frozenset(
        code for code in vocabulary.codes if vocabulary.codes[code].decision == "metastatic_line"
    )
    derived = (
        FactSpec("line", "count"),
        FactSpec("relapse_band", "choice", frozenset(settings.band_ids())),
        FactSpec("regimens_given", "count"),
        FactSpec("last_regimen", "code", line_codes | {None}),
        FactSpec("regimens", "set", line_codes),
        FactSpec("drugs_given", "set", frozenset(vocabulary.drugs)),
        FactSpec("lvef_low", "flag"),
        FactSpec("this_given", "flag", code_level=True),
        FactSpec("first_not_given_of", "code", frozenset(vocabulary.codes), code_level=True),
    )
    for spec in derived:
        catalogue[spec.name] = spec
    return catalogue


class Guideline:
    """One version of the executable guideline."""

    def __init__(
        self,
        *,
        version: str,
        family: str,
        title: str,
        vocabulary: Vocabulary,
        rules: tuple[Rule, ...],
        settings: LineSettings,
        evidence: EvidenceRegistry,
        pitfalls: Mapping[str, Pitfall],
        groups: Mapping[str, Mapping[str, Any]],
        sources: tuple[str, ...] = (),
        extends: str | None = None,
        changes: tuple[str, ...] = (),
    ) -> None:
        self.version = version
        self.family = family
        self.title = title
        self.evidence = evidence
        self.pitfalls: dict[str, Pitfall] = dict(pitfalls)
        self.rules = rules
        self.groups = dict(groups)
        self.sources = sources
        self.extends = extends
        self.changes = changes
        self.settings = settings
        self.catalogue = fact_catalogue(vocabulary, settings)
        self._vocab = vocabulary
        self._rule_by_id = {rule.id: rule for rule in rules}
        # Precompute the rule order per decision once, so evaluating is a scan of a few rules.
        self._base: dict[str, tuple[Rule, ...]] = {}
        self._overlays: dict[str, tuple[Rule, ...]] = {}
        for kind in vocabulary.kinds:
            mine = [rule for rule in rules if kind in rule.decisions]
            self._base[kind] = tuple(
                sorted(
                    (r for r in mine if not r.overlay),
                    key=lambda r: (-r.priority, -r.specificity, r.order),
                )
            )
            self._overlays[kind] = tuple(
                sorted((r for r in mine if r.overlay), key=lambda r: (r.priority, r.order))
            )
        # The plan (base rule + overlays) depends only on the facts rule conditions name,
        # so it is memoised on those facts: most evaluations then skip the rule scan.
        self._plan_facts: dict[str, tuple[str, ...]] = {
            kind: tuple(
                sorted(
                    {
                        name
                        for rule in self._base[kind] + self._overlays[kind]
                        for name in rule.when.raw
                    }
                )
            )
            for kind in vocabulary.kinds
        }
        self._plans: dict[str, dict[tuple[Any, ...], tuple[Rule, tuple[Rule, ...]]]] = {
            kind: {} for kind in vocabulary.kinds
        }
        self._adjuvant_drugs = settings.adjuvant_drugs
        self._contains = {code: spec.contains for code, spec in vocabulary.codes.items()}

    def __repr__(self) -> str:
        return f"<Guideline {self.version}>"

    # -- vocabulary ----------------------------------------------------------------------

    def decision_kinds(self) -> dict[str, tuple[str, ...]]:
        """Return decision kind -> its option codes, in declaration order."""
        return {name: kind.codes for name, kind in self._vocab.kinds.items()}

    def decision_kind(self, kind: str) -> DecisionKind:
        """Return the decision kind ``kind``; raises UnknownDecisionKind."""
        return self._vocab.kind(kind)

    def codes(self, kind: str) -> tuple[str, ...]:
        """Return the option codes of ``kind``; raises UnknownDecisionKind."""
        return self._vocab.kind(kind).codes

    def option_label(self, code: str) -> str:
        """Return the plain-words label of an option code; raises UnknownOptionCode."""
        return self._vocab.label(code)

    def has_code(self, code: str) -> bool:
        """Return True when ``code`` is an option code of any decision kind in this version."""
        return code in self._vocab.codes

    def drugs_of(self, code: str) -> frozenset[str]:
        """Return the drugs an option contains (empty for actions that are not regimens)."""
        self._vocab.label(code)  # raises UnknownOptionCode
        return self._contains[code]

    def attributes(self) -> dict[str, Any]:
        """Return attribute name -> its spec (type, values, default) as a JSON-ready dict."""
        return {name: spec.to_json() for name, spec in self._vocab.attributes.items()}

    def vocabulary(self) -> dict[str, Any]:
        """Return the whole vocabulary (the JSON printed by ``guideline codes``)."""
        return {"guideline": self.version, "family": self.family, **self._vocab.to_json()}

    def rule(self, rule_id: str) -> Rule:
        """Return the rule ``rule_id``; raises KeyError."""
        return self._rule_by_id[rule_id]

    def rules_for(self, kind: str) -> tuple[Rule, ...]:
        """Return the rules that judge ``kind``: base rows first (in selection order)."""
        self._vocab.kind(kind)
        return self._base[kind] + self._overlays[kind]

    # -- patients ------------------------------------------------------------------------

    def validate_patient(self, patient: Any, decision: str | None = None) -> dict[str, Any]:
        """Return the patient with defaults applied.

        :param decision: when given, only the attributes that decision needs are required;
            when None, every attribute required anywhere (``hr_status`` ...) must be given.
        :raises UnknownPatientAttribute, InvalidAttributeValue, MissingPatientAttribute:
        :raises UnknownDecisionKind: for an unknown ``decision``.
        """
        needs = None if decision is None else self._vocab.kind(decision).needs
        return self._vocab.validate_patient(patient, needs)

    def effective_line(self, patient: Mapping[str, Any]) -> EffectiveLine:
        """Return the effective line of metastatic therapy for ``patient``.

        :raises MissingPatientAttribute: adjuvant therapy given without its end date.
        """
        needs = tuple(n for n in ("months_since_adjuvant_her2",) if n in self._vocab.attributes)
        return self.settings.effective_line(self._vocab.validate_patient(patient, needs))

    # -- evaluation ----------------------------------------------------------------------

    def evaluate(
        self, decision: str, patient: Mapping[str, Any], options: Sequence[str] | None = None
    ) -> Evaluation:
        """Return the verdict for each option at a decision, in input order.

        :param options: option codes of ``decision``; None judges every code of the kind.
        :raises UnknownDecisionKind, UnknownOptionCode: bad decision or option.
        :raises UnknownPatientAttribute, InvalidAttributeValue, MissingPatientAttribute:
        """
        vocab = self._vocab
        if not isinstance(decision, str):
            raise UnknownDecisionKind(f"decision must be a decision kind name, got {decision!r}")
        kind = vocab.kind(decision)
        if options is None:
            codes: Sequence[str] = kind.codes
        elif isinstance(options, str) or not isinstance(options, Sequence):
            raise InvalidAttributeValue("options must be a list of option codes")
        else:
            codes = [vocab.check_code(kind, code) for code in options]
        facts = vocab.validate_patient(patient, kind.needs)
        line = self._derive(facts, kind.uses_line)
        base, overlays = self._plan(decision, facts)
        judge = self._judge
        judgements = tuple(judge(decision, code, facts, base, overlays) for code in codes)
        return Evaluation(
            guideline=self.version,
            decision=decision,
            effective_line=line.line if line else None,
            judgements=judgements,
            line_detail=line,
            rules_applied=(base.id, *(rule.id for rule in overlays)),
        )

    def _derive(self, facts: dict[str, Any], uses_line: bool) -> EffectiveLine | None:
        """Add the derived facts to a validated patient; return the effective line if used."""
        regimens = facts["metastatic_regimens"]
        drugs = set(self._adjuvant_drugs.get(facts.get("adjuvant_her2"), ()))
        contains = self._contains
        for code in regimens:
            drugs |= contains[code]
        facts["regimens"] = frozenset(regimens)
        facts["drugs_given"] = frozenset(drugs)
        facts["regimens_given"] = len(regimens)
        facts["last_regimen"] = regimens[-1] if regimens else None
        lvef = facts.get("lvef_percent")
        baseline = facts.get("lvef_baseline_percent")
        facts["lvef_low"] = (
            self.settings.lvef.low(lvef, baseline)
            if lvef is not None and baseline is not None
            else False
        )
        if not uses_line:
            facts["line"] = None
            facts["relapse_band"] = None
            return None
        line = self.settings.effective_line(facts)
        facts["line"] = line.line
        facts["relapse_band"] = line.relapse_band
        return line

    def _plan(self, decision: str, facts: Mapping[str, Any]) -> tuple[Rule, tuple[Rule, ...]]:
        """Return the base rule and the matching overlays (ascending priority)."""
        key = tuple([facts[name] for name in self._plan_facts[decision]])
        plans = self._plans[decision]
        plan = plans.get(key)
        if plan is None:
            plan = self._select(decision, facts)
            if len(plans) >= PLAN_CACHE_SIZE:
                plans.clear()  # bounded: distinct situations are few, but inputs are not trusted
            plans[key] = plan
        return plan

    def _select(self, decision: str, facts: Mapping[str, Any]) -> tuple[Rule, tuple[Rule, ...]]:
        for rule in self._base[decision]:
            if rule.when.holds(facts):
                base = rule
                break
        else:  # the loader checks a base rule exists; a gap in its conditions lands here
            raise UnknownDecisionKind(f"no rule of {self.version} covers this {decision} situation")
        overlays = tuple(rule for rule in self._overlays[decision] if rule.when.holds(facts))
        return base, overlays

    @staticmethod
    def _judge(
        decision: str,
        code: str,
        facts: Mapping[str, Any],
        base: Rule,
        overlays: Iterable[Rule],
    ) -> Judgement:
        judgement = base.outcome(decision, code, facts)
        assert isinstance(judgement, Judgement)  # base rules end every chain with a verdict
        for rule in overlays:
            outcome = rule.outcome(decision, code, facts)
            if outcome is None:
                continue
            if isinstance(outcome, Flag):
                if judgement.verdict != CONTRAINDICATED:
                    judgement = _flagged(judgement, outcome)
            elif rule.mode == "cap":
                if VERDICT_RANK[outcome.verdict] > VERDICT_RANK[judgement.verdict]:
                    judgement = outcome
            elif judgement.verdict == CONTRAINDICATED and outcome.verdict != CONTRAINDICATED:
                continue  # a contraindication found by any matching rule stands
            else:
                judgement = outcome
        return judgement

    # -- building blocks for tools that evaluate many situations (the version diff) -------

    def facts_for(self, decision: str, patient: Mapping[str, Any]) -> dict[str, Any]:
        """Return the validated patient with every derived fact added."""
        kind = self._vocab.kind(decision)
        facts = self._vocab.validate_patient(patient, kind.needs)
        self._derive(facts, kind.uses_line)
        return facts

    def plan(self, decision: str, facts: Mapping[str, Any]) -> tuple[Rule, tuple[Rule, ...]]:
        """Return the base rule and the matching overlays for derived ``facts``."""
        return self._plan(decision, facts)

    def judge(
        self,
        decision: str,
        code: str,
        facts: Mapping[str, Any],
        plan: tuple[Rule, tuple[Rule, ...]],
    ) -> Judgement:
        """Return the judgement of one code under a plan from :meth:`plan`."""
        return self._judge(decision, code, facts, plan[0], plan[1])


def _flagged(judgement: Judgement, flag: Flag) -> Judgement:
    """Return ``judgement`` marked sources_differ with the flag's note added."""
    note = judgement.note
    if not note:
        note = flag.note
    elif flag.note not in note:
        note = f"{note} {flag.note}"
    citations = tuple(dict.fromkeys((*judgement.citations, *flag.citations)))
    return replace(judgement, sources_differ=True, note=note, citations=citations)


__all__ = ["VERDICTS", "Guideline", "fact_catalogue"]
