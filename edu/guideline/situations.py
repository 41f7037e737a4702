"""The patient grid the version diff evaluates, built from the rules themselves.

Every value of every attribute a rule condition names, representative months for each
relapse band, LVEF values on each side of the thresholds, and treatment histories that
follow the preferred path of each version (plus each relapse band with no regimen or one).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Mapping
from typing import Any

from edu.guideline.conditions import Condition, compile_condition
from edu.guideline.engine import Guideline
from edu.guideline.errors import GuidelineError
from edu.guideline.rules import Rule

HISTORY_FACTS = frozenset(
    {
        "line",
        "relapse_band",
        "regimens_given",
        "last_regimen",
        "regimens",
        "drugs_given",
        "this_given",
        "first_not_given_of",
    }
)
CODE_LEVEL_FACTS = frozenset({"this_given", "first_not_given_of"})
LVEF_FACTS = frozenset({"lvef_low", "lvef_percent", "lvef_baseline_percent"})
HISTORY_DEPTH = 5


def entry_facts(rule: Rule, kind: str) -> frozenset[str]:
    """Facts looked at by the entry-level (per option) conditions of a rule."""
    assert rule.table is not None
    names: set[str] = set()
    for cases in rule.table[kind].values():
        for condition, _ in cases:
            if condition is not None:
                names.update(condition.raw)
    return frozenset(names)


def referenced_facts(guidelines: tuple[Guideline, ...], kind: str) -> set[str]:
    names: set[str] = set()
    for guideline in guidelines:
        for rule in guideline.rules_for(kind):
            names.update(rule.when.raw)
            names.update(entry_facts(rule, kind))
    return names


def patients(
    pair: tuple[Guideline, Guideline], kind: str, referenced: set[str]
) -> Iterator[dict[str, Any]]:
    """Yield patient states covering every distinction the rules of ``kind`` make.

    For each treatment history only the attributes named by rules that can apply to that
    history (their line and history conditions hold) are varied: a first-line patient's
    brain metastases cannot change a first-line verdict, so they are not enumerated there.
    """
    new = pair[1]
    attributes = new.attributes()
    fixed = {
        name: spec["values"][0]
        for name, spec in attributes.items()
        if spec.get("required") and spec.get("values")
    }
    lvef_axis = _lvef_pairs(pair) if referenced & LVEF_FACTS else [()]
    uses_history = referenced & HISTORY_FACTS or new.decision_kind(kind).uses_line
    histories = _histories(pair) if uses_history else [()]
    for history in histories:
        relevant = _relevant(pair, kind, fixed, history) if uses_history else referenced
        axes: list[list[tuple[tuple[str, Any], ...]]] = []
        for name, spec in attributes.items():
            if name in LVEF_FACTS or name in HISTORY_ATTRIBUTES or name not in relevant:
                continue
            if spec["type"] == "choice":
                axes.append([((name, value),) for value in spec["values"]])
            elif spec["type"] == "flag":
                axes.append([((name, False),), ((name, True),)])
            else:
                axes.append([((name, value),) for value in _numbers(pair, kind, name)])
        axes.append(lvef_axis)
        for combo in itertools.product(*axes):
            patient: dict[str, Any] = dict(fixed)
            for part in combo:
                patient.update(part)
            patient.update(history)
            if patient.get("cns_predominant") and patient.get("brain_metastases", "none") == "none":
                continue  # the brain cannot be the main site without brain metastases
            yield patient


HISTORY_ATTRIBUTES = frozenset(
    {"adjuvant_her2", "months_since_adjuvant_her2", "metastatic_regimens"}
)


def _relevant(
    pair: tuple[Guideline, ...], kind: str, fixed: Mapping[str, Any], history: Any
) -> set[str]:
    """Facts named by the rules (of either version) whose history conditions hold."""
    names: set[str] = set()
    for guideline in pair:
        try:
            facts = guideline.facts_for(kind, {**fixed, **dict(history)})
        except GuidelineError:
            continue  # a history the version cannot describe (a code it does not have)
        for rule in guideline.rules_for(kind):
            if history_condition(guideline, rule).holds(facts):
                names.update(rule.when.raw)
                names.update(entry_facts(rule, kind))
    return names


_HISTORY_CONDITIONS: dict[tuple[int, str], Condition] = {}


def history_condition(guideline: Guideline, rule: Rule) -> Condition:
    """The part of a rule's condition about history (line, band, regimens, drugs given)."""
    key = (id(guideline), rule.id)
    condition = _HISTORY_CONDITIONS.get(key)
    if condition is None:
        raw = {k: v for k, v in rule.when.raw.items() if k in HISTORY_FACTS}
        condition = compile_condition(raw, guideline.catalogue)
        _HISTORY_CONDITIONS[key] = condition
    return condition


def _numbers(pair: tuple[Guideline, ...], kind: str, name: str) -> list[float]:
    """Values around every bound a condition sets on a numeric attribute."""
    values: set[float] = set()
    for guideline in pair:
        for rule in guideline.rules_for(kind):
            bound = rule.when.raw.get(name)
            if isinstance(bound, Mapping):
                for edge in bound.values():
                    values.update({edge - 1, edge, edge + 1})
            elif isinstance(bound, int | float):
                values.update({bound - 1, bound, bound + 1})
    spec = pair[1].attributes()[name]
    if spec.get("default") is not None:
        values.add(spec["default"])
    low = spec.get("minimum", -math.inf)
    return sorted(v for v in values if v >= low) or [spec.get("default", 0)]


def _lvef_pairs(pair: tuple[Guideline, ...]) -> list[tuple[tuple[str, Any], ...]]:
    """(latest, baseline) LVEF pairs on each side of both versions' thresholds."""
    pairs = {(60, 60)}
    for guideline in pair:
        t = guideline.settings.lvef
        pairs.add((t.hold_below - 1, 60))
        pairs.add((t.borderline_up_to, t.borderline_up_to + t.borderline_fall))
        pairs.add((t.borderline_up_to, t.borderline_up_to + t.borderline_fall - 1))
        pairs.add((t.borderline_up_to + 1, t.borderline_up_to + 1 + t.borderline_fall + 5))
    return [
        (("lvef_percent", lvef), ("lvef_baseline_percent", base)) for lvef, base in sorted(pairs)
    ]


def _histories(pair: tuple[Guideline, ...]) -> list[tuple[tuple[str, Any], ...]]:
    """Treatment histories: de novo along each version's preferred paths, plus every
    relapse band with no regimen or one first regimen."""
    chains: set[tuple[str, ...]] = {()}
    for guideline in pair:
        for start in _baselines(guideline):
            _walk(guideline, start, (), chains)
    bands: set[tuple[tuple[str, Any], ...]] = set()
    for guideline in pair:
        for band in guideline.settings.bands:
            below = band.months_below if math.isfinite(band.months_below) else band.months_from + 12
            months = (band.months_from + below) / 2
            bands.add((("adjuvant_her2", band.adjuvant), ("months_since_adjuvant_her2", months)))
    out: list[tuple[tuple[str, Any], ...]] = [
        (("metastatic_regimens", chain),) for chain in sorted(chains, key=lambda c: (len(c), c))
    ]
    first_steps = sorted({chain[:1] for chain in chains})
    for band in sorted(bands, key=str):
        for chain in first_steps:
            out.append((*band, ("metastatic_regimens", chain)))
    return out


def _baselines(guideline: Guideline) -> list[dict[str, Any]]:
    """A default patient and one variant per flag or choice value the line rules name."""
    attributes = guideline.attributes()
    base = {
        name: spec["values"][0]
        for name, spec in attributes.items()
        if spec.get("required") and spec.get("values")
    }
    variants = [dict(base)]
    referenced = referenced_facts((guideline,), "metastatic_line")
    for name in sorted(referenced):
        spec = attributes.get(name)
        if spec is None or spec["type"] not in ("flag", "choice"):
            continue
        values = (
            [not spec["default"]]
            if spec["type"] == "flag" and "default" in spec
            else spec.get("values", [])
        )
        for value in values:
            variants.append({**base, name: value})
    return variants


def _walk(
    guideline: Guideline, patient: dict[str, Any], chain: tuple[str, ...], out: set[tuple[str, ...]]
) -> None:
    if len(chain) >= HISTORY_DEPTH:
        return
    try:
        evaluation = guideline.evaluate(
            "metastatic_line", {**patient, "metastatic_regimens": list(chain)}
        )
    except GuidelineError:
        return
    best = [j.code for j in evaluation.judgements if j.verdict == "preferred"]
    if not best:
        best = [j.code for j in evaluation.judgements if j.verdict == "acceptable"][:1]
    for code in best[:2]:
        if code in chain:
            continue
        longer = (*chain, code)
        if longer not in out:
            out.add(longer)
            _walk(guideline, patient, longer, out)
