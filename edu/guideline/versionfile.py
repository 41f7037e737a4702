"""Version files: read YAML strictly and merge a version with the one it ``extends``.

A version either stands alone (every section present) or names the version it extends and
lists only its changes (``add_codes``, ``add_rules``, ``replace_rules``, ...), so an
earlier version's file is never edited.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from edu.guideline.errors import RulesFileError, listing

BASE_KEYS = frozenset(
    {
        "version",
        "title",
        "description",
        "reference",
        "drugs",
        "groups",
        "patient_attributes",
        "effective_line",
        "lvef_thresholds",
        "decisions",
        "rules",
    }
)
CHILD_KEYS = frozenset(
    {
        "version",
        "extends",
        "title",
        "description",
        "reference",
        "changes",
        "add_drugs",
        "add_groups",
        "add_decisions",
        "add_codes",
        "add_rules",
        "replace_rules",
        "remove_rules",
        "effective_line",
        "lvef_thresholds",
    }
)


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML loader that refuses a key written twice in one mapping.

    PyYAML keeps the last of two equal keys silently; in a rules file that would drop a
    verdict a clinician wrote, so it is an error instead.
    """

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # `<<: *anchor` copies an entry; keys written beside it override
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> Any:
    """Return the decoded YAML of ``path``; raises RulesFileError for unreadable YAML."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulesFileError(path, f"cannot read: {exc}") from None
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise RulesFileError(
            path, f"{where}invalid YAML: {' '.join(str(problem).split())}"
        ) from None


@dataclass
class Resolved:
    """A version file with everything it inherits merged in."""

    version: str
    path: Path
    title: str
    extends: str | None
    changes: tuple[str, ...]
    chain: tuple[str, ...]
    drugs: dict[str, str]
    groups: dict[str, Any]
    groups_path: Path
    attributes: Any
    attributes_path: Path
    effective_line: Any
    lvef: Any
    settings_path: Path
    decisions: dict[str, dict[str, Any]]
    origin: dict[str, Path] = field(default_factory=dict)  # kind or code -> declaring file
    rules: list[tuple[Mapping[str, Any], Path]] = field(default_factory=list)


def resolve(
    name: str, raw_files: Mapping[str, tuple[Path, Any]], seen: tuple[str, ...] = ()
) -> Resolved:
    path, raw = raw_files[name]
    if name in seen:
        raise RulesFileError(path, f"'extends' loops: {listing((*seen, name))}")
    if not isinstance(raw, Mapping):
        raise RulesFileError(path, "a version file must be a mapping")
    parent_name = raw.get("extends")
    allowed = CHILD_KEYS if parent_name else BASE_KEYS
    unknown = set(raw) - allowed
    if unknown:
        raise RulesFileError(
            path,
            f"unknown top-level keys {listing(sorted(unknown))} "
            f"(allowed: {listing(sorted(allowed))})",
        )
    title = " ".join(str(raw.get("title") or name).split())
    changes = tuple(" ".join(str(c).split()) for c in raw.get("changes") or ())
    if not parent_name:
        for key in (
            "drugs",
            "patient_attributes",
            "effective_line",
            "lvef_thresholds",
            "decisions",
            "rules",
        ):
            if key not in raw:
                raise RulesFileError(path, f"missing top-level key {key!r}")
        if not isinstance(raw["decisions"], Mapping) or not isinstance(raw["rules"], list):
            raise RulesFileError(path, "decisions must be a mapping and rules a list")
        decisions = {k: dict(v) for k, v in raw["decisions"].items()}
        origin = {k: path for k in decisions}
        for body in decisions.values():
            origin.update({code: path for code in body.get("codes") or {}})
        return Resolved(
            version=name,
            path=path,
            title=title,
            extends=None,
            changes=changes,
            chain=(name,),
            drugs=dict(raw["drugs"] or {}),
            groups=dict(raw.get("groups") or {}),
            groups_path=path,
            attributes=raw["patient_attributes"],
            attributes_path=path,
            effective_line=raw["effective_line"],
            lvef=raw["lvef_thresholds"],
            settings_path=path,
            decisions=decisions,
            origin=origin,
            rules=[(rule, path) for rule in raw["rules"]],
        )
    if parent_name not in raw_files:
        raise RulesFileError(
            path, f"extends unknown version {parent_name!r} (known: {listing(raw_files)})"
        )
    parent = resolve(parent_name, raw_files, (*seen, name))
    out = Resolved(
        version=name,
        path=path,
        title=title,
        extends=parent_name,
        changes=changes,
        chain=(*parent.chain, name),
        drugs={**parent.drugs, **(raw.get("add_drugs") or {})},
        groups={**parent.groups, **(raw.get("add_groups") or {})},
        groups_path=path if raw.get("add_groups") else parent.groups_path,
        attributes=parent.attributes,
        attributes_path=parent.attributes_path,
        effective_line=raw.get("effective_line", parent.effective_line),
        lvef=raw.get("lvef_thresholds", parent.lvef),
        settings_path=path
        if ("effective_line" in raw or "lvef_thresholds" in raw)
        else parent.settings_path,
        decisions={
            k: {**v, "codes": dict(v.get("codes") or {})} for k, v in parent.decisions.items()
        },
        origin=dict(parent.origin),
    )
    for kind, body in (raw.get("add_decisions") or {}).items():
        if kind in out.decisions:
            raise RulesFileError(path, f"add_decisions: {kind!r} already exists")
        out.decisions[kind] = {**body, "since": name}
        out.origin[kind] = path
        out.origin.update({code: path for code in body.get("codes") or {}})
    for kind, codes in (raw.get("add_codes") or {}).items():
        if kind not in out.decisions:
            raise RulesFileError(path, f"add_codes: unknown decision kind {kind!r}")
        for code, spec in (codes or {}).items():
            if code in out.decisions[kind]["codes"]:
                raise RulesFileError(
                    path, f"add_codes: {code!r} already exists (codes are never redefined)"
                )
            out.decisions[kind]["codes"][code] = {**spec, "since": name}
            out.origin[code] = path
    rules = list(parent.rules)
    ids = [rule.get("id") for rule, _ in rules if isinstance(rule, Mapping)]
    for rule_id in raw.get("remove_rules") or ():
        if rule_id not in ids:
            raise RulesFileError(path, f"remove_rules: unknown rule {rule_id!r}")
        rules = [(r, p) for r, p in rules if r.get("id") != rule_id]
        ids = [r.get("id") for r, _ in rules]
    for rule in raw.get("replace_rules") or ():
        rule_id = rule.get("id") if isinstance(rule, Mapping) else None
        if rule_id not in ids:
            raise RulesFileError(path, f"replace_rules: unknown rule {rule_id!r}")
        rules = [(rule, path) if r.get("id") == rule_id else (r, p) for r, p in rules]
    rules.extend((rule, path) for rule in raw.get("add_rules") or ())
    out.rules = rules
    return out
