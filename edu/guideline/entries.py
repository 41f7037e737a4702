"""Verdict entries of a rule and the drug-content groups they can target.

An entry is what a rule says about one option: ``verdict``, ``why`` (with figure
placeholders), ``cite``, ``pitfalls``, optional ``when``, and ``sources_differ`` + ``note``.
An entry without a verdict (overlays only) flags a disagreement and keeps the verdict.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edu.guideline.conditions import Condition, FactSpec, compile_condition
from edu.guideline.errors import RulesFileError, listing
from edu.guideline.evidence import EvidenceRegistry
from edu.guideline.pitfalls import Pitfall
from edu.guideline.results import Flag, Judgement
from edu.guideline.vocabulary import VERDICTS, Vocabulary

Outcome = Judgement | Flag
Case = tuple[Condition | None, Outcome]  # None: the case always applies

ENTRY_KEYS = frozenset({"when", "verdict", "why", "cite", "pitfalls", "sources_differ", "note"})


@dataclass(frozen=True)
class RuleContext:
    """What compiling a version's rules needs to know."""

    version: str
    vocabulary: Vocabulary
    groups: Mapping[str, Mapping[str, Any]]
    catalogue: Mapping[str, FactSpec]
    evidence: EvidenceRegistry
    pitfalls: Mapping[str, Pitfall]


@dataclass(frozen=True)
class EntryCase:
    when: Condition | None
    verdict: str | None
    why: str
    cite: tuple[str, ...]
    pitfalls: tuple[str, ...]
    sources_differ: bool
    note: str | None


def fold_text(value: Any) -> str | None:
    """Return ``value`` with YAML line breaks folded to single spaces, or None."""
    if value is None:
        return None
    return " ".join(str(value).split()) or None


def parse_case(
    raw: Any,
    label: str,
    overlay: bool,
    rule_differ: bool,
    rule_note: str | None,
    fail: Any,
    ctx: RuleContext,
) -> EntryCase:
    if not isinstance(raw, Mapping):
        raise fail(f"{label} must be a mapping with a verdict (or a list of them)")
    unknown = set(raw) - ENTRY_KEYS
    if unknown:
        raise fail(f"{label} has unknown keys {listing(sorted(unknown))}")
    when = compile_condition(raw["when"], ctx.catalogue) if raw.get("when") else None
    verdict = raw.get("verdict")
    differ = bool(raw.get("sources_differ", False)) or (rule_differ and verdict is not None)
    note = join_notes(fold_text(raw.get("note")), rule_note if verdict is not None else None)
    cite = raw.get("cite")
    if cite is None and verdict is not None:
        raise fail(f"{label} needs 'cite' (a list of trial ids, or [] when no trial applies)")
    cite = tuple(cite or ())
    for trial in cite:
        if trial not in ctx.evidence:
            raise fail(
                f"{label} cites unknown trial {trial!r} for {ctx.version} "
                f"(known: {listing(ctx.evidence.ids())})"
            )
    pitfalls = tuple(raw.get("pitfalls") or ())
    for pid in pitfalls:
        if pid not in ctx.pitfalls:
            raise fail(
                f"{label} names pitfall {pid!r}, not in force in {ctx.version} "
                f"(known: {listing(ctx.pitfalls)})"
            )
    if verdict is None:
        if not overlay:
            raise fail(f"{label} needs a verdict (one of {listing(VERDICTS)})")
        if not (differ and note):
            raise fail(f"{label} has no verdict, so it must flag sources_differ with a note")
        return EntryCase(when, None, "", cite, pitfalls, True, note)
    if verdict not in VERDICTS:
        raise fail(f"{label} verdict {verdict!r} is not one of {listing(VERDICTS)}")
    if differ and not note:
        raise fail(f"{label} flags sources_differ but has no note naming the disagreement")
    why = fold_text(raw.get("why"))
    if not why:
        raise fail(f"{label} needs a 'why': one or two sentences in plain words")
    try:
        why = ctx.evidence.render(why, cite)
    except KeyError as exc:
        raise fail(f"{label}: {exc.args[0]}") from None
    return EntryCase(when, verdict, why, cite, pitfalls, differ, note)


def join_notes(*notes: str | None) -> str | None:
    kept = [n for n in notes if n]
    return " ".join(kept) if kept else None


def to_outcome(case: EntryCase, code: str, rule_id: str, vocab: Vocabulary) -> Case:
    if case.verdict is None:
        return case.when, Flag(note=case.note or "", citations=case.cite)
    judgement = Judgement(
        code=code,
        verdict=case.verdict,
        rule=rule_id,
        explanation=case.why,
        citations=case.cite,
        pitfalls=case.pitfalls,
        sources_differ=case.sources_differ,
        note=case.note,
        label=vocab.codes[code].label,
    )
    return case.when, judgement


def group_codes(
    group: Mapping[str, Any], codes: Sequence[str], vocab: Vocabulary
) -> frozenset[str]:
    """Return the codes of one decision kind that belong to a drug-content group."""
    any_drug = frozenset(group.get("any_drug") or ())
    no_drug = frozenset(group.get("no_drug") or ())
    members = set()
    for code in codes:
        contains = vocab.codes[code].contains
        if any_drug and any_drug.isdisjoint(contains):
            continue
        if no_drug and not no_drug.isdisjoint(contains):
            continue
        members.add(code)
    return frozenset(members)


def check_groups(groups: Any, drugs: Mapping[str, str], path: Path) -> dict[str, dict[str, Any]]:
    """Return the ``groups`` section checked against the drug list."""
    if not isinstance(groups, Mapping):
        raise RulesFileError(path, "groups must be a mapping")
    out: dict[str, dict[str, Any]] = {}
    for name, body in groups.items():
        if not isinstance(body, Mapping) or not (body.get("any_drug") or body.get("no_drug")):
            raise RulesFileError(path, f"group {name!r} needs any_drug or no_drug")
        unknown = set(body) - {"label", "any_drug", "no_drug"}
        if unknown:
            raise RulesFileError(
                path, f"group {name!r} has unknown keys {listing(sorted(unknown))}"
            )
        for drug in [*(body.get("any_drug") or ()), *(body.get("no_drug") or ())]:
            if drug not in drugs:
                raise RulesFileError(path, f"group {name!r} names unknown drug {drug!r}")
        out[str(name)] = dict(body)
    return out
