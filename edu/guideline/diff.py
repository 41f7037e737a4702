"""What changes between two guideline versions, situation by situation.

The diff evaluates every option code under both versions across a grid of patient states
built from the rules themselves: every value of every attribute a rule condition names,
representative months for each relapse band, LVEF values around the thresholds, and
treatment histories that follow the preferred path of each version. Patient states that
the rules cannot tell apart (the same rules apply and every fact an entry looks at is
equal) form one **situation**; each situation is evaluated once and reported when a code
is added or removed, or changes verdict or ``sources_differ`` flag.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from edu.guideline.diff_model import CodeChange, GuidelineDiff, Situation
from edu.guideline.engine import Guideline
from edu.guideline.errors import GuidelineError
from edu.guideline.results import Judgement
from edu.guideline.rules import Rule
from edu.guideline.situations import CODE_LEVEL_FACTS, entry_facts, patients, referenced_facts

__all__ = ["CodeChange", "GuidelineDiff", "Situation", "diff_guidelines"]


def diff_guidelines(old: Guideline, new: Guideline) -> GuidelineDiff:
    """Return every difference in judgement between ``old`` and ``new``."""
    old_kinds, new_kinds = old.decision_kinds(), new.decision_kinds()
    codes_added: dict[str, tuple[str, ...]] = {}
    codes_removed: dict[str, tuple[str, ...]] = {}
    for kind in new_kinds:
        before = set(old_kinds.get(kind, ()))
        added = tuple(c for c in new_kinds[kind] if c not in before)
        if added:
            codes_added[kind] = added
    for kind in old_kinds:
        after = set(new_kinds.get(kind, ()))
        removed = tuple(c for c in old_kinds[kind] if c not in after)
        if removed:
            codes_removed[kind] = removed
    situations: list[Situation] = []
    compared = states = 0
    for kind in (k for k in new_kinds if k in old_kinds):
        found, kind_states = _compare_kind(old, new, kind)
        compared += len(found)
        states += kind_states
        situations.extend(s for s in found if s.changes)
    old_rules = {r.id for r in old.rules}
    new_rules = {r.id for r in new.rules}
    return GuidelineDiff(
        old=old.version,
        new=new.version,
        kinds_added=tuple(k for k in new_kinds if k not in old_kinds),
        kinds_removed=tuple(k for k in old_kinds if k not in new_kinds),
        codes_added=codes_added,
        codes_removed=codes_removed,
        situations=tuple(situations),
        situations_compared=compared,
        patient_states=states,
        rules_added=tuple(r.id for r in new.rules if r.id not in old_rules),
        rules_removed=tuple(r.id for r in old.rules if r.id not in new_rules),
    )


def _compare_kind(old: Guideline, new: Guideline, kind: str) -> tuple[list[Situation], int]:
    pair = (old, new)
    referenced = referenced_facts(pair, kind)
    looked_at = {
        (g.version, rule.id): entry_facts(rule, kind) for g in pair for rule in g.rules_for(kind)
    }
    codes_old, codes_new = old.codes(kind), new.codes(kind)
    all_codes = tuple(dict.fromkeys((*codes_old, *codes_new)))
    groups: dict[tuple[Any, ...], list[Any]] = {}
    defaults = {name: _hashable(spec.get("default")) for name, spec in new.attributes().items()}
    new_rules = {rule.id for rule in new.rules} - {rule.id for rule in old.rules}
    states = 0
    for patient in patients(pair, kind, referenced):
        states += 1
        try:
            new_facts = new.facts_for(kind, patient)
        except GuidelineError:
            continue  # not a patient the new version can describe
        try:
            old_facts: dict[str, Any] | None = old.facts_for(kind, patient)
        except GuidelineError:
            old_facts = None
        new_plan = new.plan(kind, new_facts)
        old_plan = old.plan(kind, old_facts) if old_facts is not None else None
        key = (
            _plan_ids(old_plan),
            _plan_ids(new_plan),
            _signature(new.version, new_plan, new_facts, looked_at),
            _signature(old.version, old_plan, old_facts, looked_at) if old_plan else None,
            new_facts["line"],
            new_facts["relapse_band"],
        )
        bucket = groups.get(key)
        plainness = _plainness(patient, defaults)
        if bucket is None:
            groups[key] = [patient, old_facts, new_facts, old_plan, new_plan, 1, plainness]
        else:
            bucket[5] += 1
            if plainness < bucket[6]:  # show the simplest patient of the situation
                bucket[0], bucket[6] = patient, plainness
    situations = []
    for (_, _, _, _, line, band), bucket in groups.items():
        patient, old_facts, new_facts, old_plan, new_plan, count, _ = bucket
        changes = []
        for code in all_codes:
            new_j = new.judge(kind, code, new_facts, new_plan) if code in codes_new else None
            old_j = (
                old.judge(kind, code, old_facts, old_plan)
                if old_plan is not None and old_facts is not None and code in codes_old
                else None
            )
            change = _change(code, old_j, new_j)
            if old_plan is None and new_j is not None and code in codes_old:
                # The old version cannot describe this history at all; report only what
                # new codes and new rules decide, not every verdict of the older rules.
                if new_j.rule not in new_rules:
                    change = None
            if change is not None:
                changes.append(change)
        changed = tuple(change.code for change in changes)
        situations.append(
            Situation(
                decision=kind,
                effective_line=line,
                relapse_band=band,
                rules_old=_deciding(old, kind, old_facts, old_plan, changed, codes_old),
                rules_new=_deciding(new, kind, new_facts, new_plan, changed, codes_new),
                example_patient={
                    k: v for k, v in patient.items() if _hashable(v) != _hashable(defaults.get(k))
                },
                patient_states=count,
                changes=tuple(changes),
                new_only=old_plan is None,
            )
        )
    return _merge(situations), states


def _plainness(patient: Mapping[str, Any], defaults: Mapping[str, Any]) -> int:
    changed = 0
    for key, value in patient.items():
        if value != defaults.get(key):
            changed += 1
    return changed + len(patient.get("metastatic_regimens", ()))


def _deciding(
    guideline: Guideline,
    kind: str,
    facts: Mapping[str, Any] | None,
    plan: tuple[Rule, tuple[Rule, ...]] | None,
    changed: tuple[str, ...],
    known: tuple[str, ...],
) -> tuple[str, ...]:
    """The row, then the rules that decide or flag a changed code, in plan order.

    Overlays that match but decide nothing that changed (the anthracycline rule, the
    relapse bands when only a new code differs) would split situations the diff treats
    alike, so they are left out of the situation's name.
    """
    if plan is None or facts is None:
        return ()
    codes = tuple(code for code in changed if code in known)
    used = {guideline.judge(kind, code, facts, plan).rule for code in codes}
    flagged = {
        rule.id
        for rule in plan[1]
        for code in codes
        if (outcome := rule.outcome(kind, code, facts)) is not None
        and not isinstance(outcome, Judgement)
    }
    order = (plan[0].id, *(rule.id for rule in plan[1]))
    return tuple(
        rule_id
        for rule_id in order
        if rule_id in used or rule_id in flagged or rule_id == plan[0].id
    )


def _merge(situations: list[Situation]) -> list[Situation]:
    """Merge situations that apply the same rules and change the same way."""
    merged: dict[tuple[Any, ...], Situation] = {}
    for s in situations:
        key = (
            s.decision,
            s.effective_line,
            s.rules_old,
            s.rules_new,
            s.new_only,
            tuple((c.code, c.change, _brief(c.old), _brief(c.new)) for c in s.changes),
        )
        if key in merged:
            kept = merged[key]
            merged[key] = replace(kept, patient_states=kept.patient_states + s.patient_states)
        else:
            merged[key] = s
    return sorted(
        merged.values(),
        key=lambda s: (
            s.decision,
            s.effective_line or 0,
            s.new_only,
            s.rules_new,
            s.relapse_band or "",
        ),
    )


def _brief(j: Judgement | None) -> tuple[Any, ...] | None:
    return None if j is None else (j.verdict, j.rule, j.sources_differ)


def _change(code: str, old: Judgement | None, new: Judgement | None) -> CodeChange | None:
    if old is None and new is None:
        return None
    if old is None:
        return CodeChange(code, "added", None, new)
    if new is None:
        return CodeChange(code, "removed", old, None)
    if old.verdict != new.verdict:
        return CodeChange(code, "verdict", old, new)
    if old.sources_differ != new.sources_differ:
        return CodeChange(code, "sources_differ", old, new)
    return None


def _plan_ids(plan: tuple[Rule, tuple[Rule, ...]] | None) -> tuple[str, ...] | None:
    if plan is None:
        return None
    return (plan[0].id, *(rule.id for rule in plan[1]))


def _signature(
    version: str,
    plan: tuple[Rule, tuple[Rule, ...]],
    facts: Mapping[str, Any],
    looked_at: Mapping[tuple[str, str], frozenset[str]],
) -> tuple[Any, ...]:
    """The facts that per-option conditions of the applied rules look at."""
    names: set[str] = set()
    for rule in (plan[0], *plan[1]):
        names |= looked_at[(version, rule.id)]
    if names & CODE_LEVEL_FACTS:
        names = (names - CODE_LEVEL_FACTS) | {"metastatic_regimens"}
    return tuple((name, _hashable(facts.get(name))) for name in sorted(names))


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, set):
        return frozenset(value)
    return value


# -- the patient grid ------------------------------------------------------------------------
