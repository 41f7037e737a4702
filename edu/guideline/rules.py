"""Rules: parse the rule entries of a version file and compile them for fast evaluation.

A rule (see ``docs/guideline.md``) has an ``id``, the ``decision`` kind(s) it judges, a
``when:`` condition on the patient, and verdict entries for ``options`` (by code),
``groups`` (by drug content) and a ``default``. Each entry gives a ``verdict``, a
rationale (``why``, with ``{TRIAL.key}`` figure placeholders), citations (``cite``) and
``pitfalls``. Base rules are table rows (one applies per decision); overlays
(``overlay: true``) apply on top of the row. Compiling resolves ``like:`` (a rule that
copies another row's verdicts and changes a few), expands groups to codes, fills in the
figures and checks every id against the registry, so evaluation is lookups only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edu.guideline.conditions import ALWAYS, Condition, ConditionError, compile_condition
from edu.guideline.entries import (
    Case,
    EntryCase,
    Outcome,
    RuleContext,
    check_groups,
    fold_text,
    group_codes,
    parse_case,
    to_outcome,
)
from edu.guideline.errors import RulesFileError, listing

RULE_KEYS = frozenset(
    {
        "id",
        "title",
        "summary",
        "decision",
        "overlay",
        "priority",
        "mode",
        "when",
        "like",
        "options",
        "groups",
        "default",
        "cite",
        "sources_differ",
        "note",
    }
)
MODES = ("replace", "cap")


@dataclass(frozen=True)
class Rule:
    """One compiled rule (a row of the decision table, or an overlay on top of rows)."""

    id: str
    title: str
    decisions: tuple[str, ...]
    overlay: bool
    priority: int
    mode: str
    when: Condition
    citations: tuple[str, ...]
    pitfalls: tuple[str, ...]
    source: str
    order: int
    summary: str = ""
    sources_differ: bool = False
    note: str | None = None
    # decision kind -> option code -> cases, first matching case wins
    table: Mapping[str, Mapping[str, tuple[Case, ...]]] | None = None

    @property
    def conditions(self) -> dict[str, Any]:
        """The rule's ``when:`` mapping as written in the rules file."""
        return dict(self.when.raw)

    @property
    def specificity(self) -> int:
        """How many facts the rule's condition constrains."""
        return self.when.specificity

    def outcome(self, decision: str, code: str, facts: Mapping[str, Any]) -> Outcome | None:
        """Return what this rule says about ``code`` for ``facts``, or None if nothing."""
        assert self.table is not None
        cases = self.table[decision].get(code)
        if cases:
            for condition, outcome in cases:
                if condition is None or condition.holds(facts, code):
                    return outcome
        return None

    def codes(self, decision: str) -> tuple[str, ...]:
        """Return the codes this rule gives a verdict or flag for, under ``decision``."""
        assert self.table is not None
        return tuple(self.table[decision])


def compile_rules(
    raw_rules: Sequence[tuple[Mapping[str, Any], Path]], ctx: RuleContext
) -> tuple[Rule, ...]:
    """Return the compiled rules of one version, in file order.

    :param raw_rules: each rule's YAML mapping with the file it came from.
    :raises RulesFileError: naming the file, the rule and what is wrong.
    """
    by_id: dict[str, tuple[Mapping[str, Any], Path]] = {}
    for raw, path in raw_rules:
        if not isinstance(raw, Mapping):
            raise RulesFileError(path, f"every rule must be a mapping, got {raw!r}")
        rule_id = raw.get("id")
        if not isinstance(rule_id, str) or not rule_id.strip():
            raise RulesFileError(path, f"a rule has no id: {dict(raw)!r:.80}")
        if rule_id in by_id:
            raise RulesFileError(path, f"rule {rule_id!r} is defined twice")
        by_id[rule_id] = (raw, path)
    rules = []
    for order, (rule_id, (raw, path)) in enumerate(by_id.items()):
        try:
            rules.append(_compile_rule(rule_id, raw, path, order, by_id, ctx))
        except ConditionError as exc:
            raise RulesFileError(path, f"rule {rule_id!r}: {exc}") from None
    for kind in ctx.vocabulary.kinds:
        if not any(kind in r.decisions and not r.overlay for r in rules):
            raise RulesFileError(
                by_id[next(iter(by_id))][1], f"decision kind {kind!r} has no base rule"
            )
    return tuple(rules)


def _resolved_entries(
    rule_id: str,
    by_id: Mapping[str, tuple[Mapping[str, Any], Path]],
    seen: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Return options/groups/default of a rule with ``like:`` applied and cites made explicit."""
    raw, path = by_id[rule_id]
    if rule_id in seen:
        raise RulesFileError(path, f"rule {rule_id!r}: 'like' loops through {listing(seen)}")
    own_cite = raw.get("cite")
    own = {
        "options": _bake_cite(raw.get("options") or {}, own_cite),
        "groups": _bake_cite(raw.get("groups") or {}, own_cite),
        "default": _bake_cite({"d": raw["default"]}, own_cite)["d"] if "default" in raw else None,
    }
    like = raw.get("like")
    if like is None:
        return own
    if like not in by_id:
        raise RulesFileError(path, f"rule {rule_id!r} is 'like' unknown rule {like!r}")
    if by_id[like][0].get("decision") != raw.get("decision"):
        raise RulesFileError(path, f"rule {rule_id!r} is 'like' {like!r} of another decision")
    base = _resolved_entries(like, by_id, (*seen, rule_id))
    return {
        "options": {**base["options"], **own["options"]},
        "groups": {**base["groups"], **own["groups"]},
        "default": own["default"] if own["default"] is not None else base["default"],
    }


def _bake_cite(entries: Any, cite: Any) -> Any:
    """Copy the rule-level ``cite`` into entries that do not name their own."""
    if not isinstance(entries, Mapping) or cite is None:
        return entries
    out: dict[str, Any] = {}
    for key, value in entries.items():
        cases = value if isinstance(value, list) else [value]
        baked = [
            {**case, "cite": cite} if isinstance(case, Mapping) and "cite" not in case else case
            for case in cases
        ]
        out[key] = baked if isinstance(value, list) else baked[0]
    return out


def _compile_rule(
    rule_id: str,
    raw: Mapping[str, Any],
    path: Path,
    order: int,
    by_id: Mapping[str, tuple[Mapping[str, Any], Path]],
    ctx: RuleContext,
) -> Rule:
    where = f"rule {rule_id!r}"

    def fail(problem: str) -> RulesFileError:
        return RulesFileError(path, f"{where}: {problem}")

    unknown = set(raw) - RULE_KEYS
    if unknown:
        raise fail(
            f"unknown keys {listing(sorted(unknown))} (allowed: {listing(sorted(RULE_KEYS))})"
        )
    decisions = raw.get("decision")
    decisions = tuple(decisions) if isinstance(decisions, list) else (decisions,)
    for decision in decisions:
        if decision not in ctx.vocabulary.kinds:
            raise fail(
                f"unknown decision kind {decision!r} (known: {listing(ctx.vocabulary.kinds)})"
            )
    overlay = bool(raw.get("overlay", False))
    mode = raw.get("mode", "replace")
    if mode not in MODES:
        raise fail(f"mode must be one of {listing(MODES)}")
    if mode == "cap" and not overlay:
        raise fail("only an overlay can cap verdicts")
    priority = raw.get("priority", 0)
    if isinstance(priority, bool) or not isinstance(priority, int):
        raise fail("priority must be a whole number")
    when = compile_condition(raw.get("when"), ctx.catalogue)
    if when.code_level:
        raise fail("facts about the option (this_given, first_not_given_of) belong in an entry")
    rule_differ = bool(raw.get("sources_differ", False))
    rule_note = fold_text(raw.get("note"))
    if rule_differ and not rule_note:
        raise fail("sources_differ needs a note naming the disagreement")
    entries = _resolved_entries(rule_id, by_id)

    def cases_of(value: Any, label: str) -> list[EntryCase]:
        items = value if isinstance(value, list) else [value]
        if not items:
            raise fail(f"{label} has no entries")
        return [
            parse_case(item, f"{label}", overlay, rule_differ, rule_note, fail, ctx)
            for item in items
        ]

    option_cases = {code: cases_of(v, f"option {code}") for code, v in entries["options"].items()}
    group_cases = {name: cases_of(v, f"group {name}") for name, v in entries["groups"].items()}
    default_cases = (
        cases_of(entries["default"], "default") if entries["default"] is not None else []
    )
    for name in group_cases:
        if name not in ctx.groups:
            raise fail(f"unknown group {name!r} (known: {listing(ctx.groups)})")
    table: dict[str, dict[str, tuple[Case, ...]]] = {}
    vocab = ctx.vocabulary
    all_codes = {c for d in decisions for c in vocab.kinds[d].codes}
    for code in option_cases:
        if code not in all_codes:
            raise fail(
                f"unknown option code {code!r} for {listing(decisions)} "
                f"(valid codes: {listing(sorted(all_codes))})"
            )
    for decision in decisions:
        kind = vocab.kinds[decision]
        members = {name: group_codes(ctx.groups[name], kind.codes, vocab) for name in group_cases}
        per_code: dict[str, tuple[Case, ...]] = {}
        for code in kind.codes:
            chain = list(option_cases.get(code, ()))
            for name, cases in group_cases.items():
                if code in members[name]:
                    chain.extend(cases)
            chain.extend(default_cases)
            if not chain and overlay:
                continue
            if not chain:
                raise fail(
                    f"no verdict for {code}: a base rule needs a default or an entry per code"
                )
            if not overlay and (chain[-1].when is not None or chain[-1].verdict is None):
                raise fail(
                    f"no verdict for {code} when no entry's condition holds: "
                    "end its entries (or the default) with one that has no 'when'"
                )
            per_code[code] = tuple(to_outcome(case, code, rule_id, vocab) for case in chain)
        table[decision] = per_code
    citations = _ordered(
        c for cases in _all(option_cases, group_cases, default_cases) for c in cases.cite
    )
    pitfalls = _ordered(
        p for cases in _all(option_cases, group_cases, default_cases) for p in cases.pitfalls
    )
    return Rule(
        id=rule_id,
        title=fold_text(raw.get("title")) or rule_id,
        decisions=decisions,
        overlay=overlay,
        priority=priority,
        mode=mode,
        when=when,
        citations=citations,
        pitfalls=pitfalls,
        source=str(path),
        order=order,
        summary=fold_text(raw.get("summary")) or "",
        sources_differ=rule_differ,
        note=rule_note,
        table=table,
    )


def _all(*groups: Any) -> list[EntryCase]:
    out: list[EntryCase] = []
    for group in groups:
        if isinstance(group, Mapping):
            for cases in group.values():
                out.extend(cases)
        else:
            out.extend(group)
    return out


def _ordered(items: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


__all__ = ["ALWAYS", "Rule", "RuleContext", "check_groups", "compile_rules"]
