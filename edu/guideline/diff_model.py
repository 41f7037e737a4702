"""The result of comparing two guideline versions: situations and code changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from edu.guideline.results import Judgement


@dataclass(frozen=True)
class CodeChange:
    """One code whose judgement differs between the versions in one situation."""

    code: str
    change: str  # added | removed | verdict | sources_differ
    old: Judgement | None
    new: Judgement | None

    def to_json(self) -> dict[str, Any]:
        """Return the change as a JSON-ready dict."""

        def side(j: Judgement | None) -> dict[str, Any] | None:
            if j is None:
                return None
            return {
                "verdict": j.verdict,
                "rule": j.rule,
                "sources_differ": j.sources_differ,
                "note": j.note,
                "pitfalls": list(j.pitfalls),
            }

        return {
            "code": self.code,
            "change": self.change,
            "old": side(self.old),
            "new": side(self.new),
        }


@dataclass(frozen=True)
class Situation:
    """A decision situation the rules distinguish, with what changed in it."""

    decision: str
    effective_line: int | None
    relapse_band: str | None
    rules_old: tuple[str, ...]
    rules_new: tuple[str, ...]
    example_patient: Mapping[str, Any]
    patient_states: int
    changes: tuple[CodeChange, ...]
    new_only: bool = False  # the old version cannot describe this patient (new codes in history)

    def describe(self) -> str:
        """Return a one-line description of the situation."""
        parts = [self.decision]
        if self.effective_line is not None:
            parts.append(f"line {self.effective_line}")
        if self.relapse_band and self.relapse_band != "de-novo":
            parts.append(f"relapse {self.relapse_band}")
        rules = f"rules {' + '.join(self.rules_new)}"
        if self.rules_old != self.rules_new and not self.new_only:
            rules += f" (was {' + '.join(self.rules_old)})"
        parts.append(rules)
        return " | ".join(parts)

    def to_json(self) -> dict[str, Any]:
        """Return the situation as a JSON-ready dict."""
        return {
            "decision": self.decision,
            "description": self.describe(),
            "effective_line": self.effective_line,
            "relapse_band": self.relapse_band,
            "rules_old": list(self.rules_old),
            "rules_new": list(self.rules_new),
            "new_only": self.new_only,
            "patient_states": self.patient_states,
            "example_patient": _jsonable(self.example_patient),
            "changes": [change.to_json() for change in self.changes],
        }


@dataclass(frozen=True)
class GuidelineDiff:
    """The differences between two versions."""

    old: str
    new: str
    kinds_added: tuple[str, ...]
    kinds_removed: tuple[str, ...]
    codes_added: Mapping[str, tuple[str, ...]]
    codes_removed: Mapping[str, tuple[str, ...]]
    situations: tuple[Situation, ...]  # only those with a change
    situations_compared: int
    patient_states: int
    rules_added: tuple[str, ...] = field(default=())
    rules_removed: tuple[str, ...] = field(default=())

    @property
    def changed_codes(self) -> tuple[str, ...]:
        """Codes of both versions whose verdict changes in some situation.

        Re-scoring only changes points for these; an empty tuple means no past attempt's
        points change.
        """
        return tuple(
            sorted({c.code for s in self.situations for c in s.changes if c.change == "verdict"})
        )

    @property
    def flag_changed_codes(self) -> tuple[str, ...]:
        """Codes whose ``sources_differ`` flag (not verdict) changes in some situation."""
        return tuple(
            sorted(
                {c.code for s in self.situations for c in s.changes if c.change == "sources_differ"}
            )
        )

    def to_json(self) -> dict[str, Any]:
        """Return the whole diff as a JSON-ready dict."""
        return {
            "old": self.old,
            "new": self.new,
            "kinds_added": list(self.kinds_added),
            "kinds_removed": list(self.kinds_removed),
            "codes_added": {k: list(v) for k, v in self.codes_added.items()},
            "codes_removed": {k: list(v) for k, v in self.codes_removed.items()},
            "rules_added": list(self.rules_added),
            "rules_removed": list(self.rules_removed),
            "changed_codes": list(self.changed_codes),
            "flag_changed_codes": list(self.flag_changed_codes),
            "situations_compared": self.situations_compared,
            "patient_states": self.patient_states,
            "situations": [s.to_json() for s in self.situations],
        }

    def to_text(self) -> str:
        """Return the diff as plain text for the terminal."""
        lines = [f"Guideline diff {self.old} -> {self.new}", ""]
        for label, mapping in (
            ("Codes added", self.codes_added),
            ("Codes removed", self.codes_removed),
        ):
            for kind, codes in mapping.items():
                lines.append(f"{label} ({kind}): {', '.join(codes)}")
        for label, items in (
            ("Decision kinds added", self.kinds_added),
            ("Decision kinds removed", self.kinds_removed),
            ("Rules added", self.rules_added),
            ("Rules removed", self.rules_removed),
        ):
            if items:
                lines.append(f"{label}: {', '.join(items)}")
        changed = self.changed_codes
        lines.append(
            "Existing codes whose verdict changes: "
            + (", ".join(changed) if changed else "none (no past attempt's points change)")
        )
        flags = self.flag_changed_codes
        lines.append(
            "Existing codes newly flagged or unflagged sources_differ: "
            + (", ".join(flags) or "none")
        )
        lines.append(
            f"Compared {self.situations_compared} situations ({self.patient_states} patient "
            f"states); {len(self.situations)} with a change."
        )
        for situation in self.situations:
            lines.append("")
            heading = situation.describe()
            if situation.new_only:
                heading += f" | new situation: only {self.new} can describe this history"
            lines.append(heading)
            example = ", ".join(f"{k}={_show(v)}" for k, v in situation.example_patient.items())
            lines.append(
                f"  {situation.patient_states} patient states, e.g. {example or 'defaults'}"
            )
            for change in situation.changes:
                lines.append("  " + _change_line(change))
        return "\n".join(lines) + "\n"


def _show(value: Any) -> str:
    if isinstance(value, tuple | list):
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _jsonable(patient: Mapping[str, Any]) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in patient.items()}


def _verdict_text(judgement: Judgement) -> str:
    flag = ", sources differ" if judgement.sources_differ else ""
    return f"{judgement.verdict}{flag} [{judgement.rule}]"


def _change_line(change: CodeChange) -> str:
    if change.change == "added":
        assert change.new is not None
        return f"+ {change.code}: {_verdict_text(change.new)}"
    if change.change == "removed":
        assert change.old is not None
        return f"- {change.code}: was {_verdict_text(change.old)}"
    assert change.old is not None and change.new is not None
    if change.change == "verdict":
        return f"~ {change.code}: {_verdict_text(change.old)} -> {_verdict_text(change.new)}"
    state = "now flagged sources_differ" if change.new.sources_differ else "no longer flagged"
    note = f" ({change.new.note})" if change.new.sources_differ and change.new.note else ""
    return f"~ {change.code}: {change.new.verdict}, {state} [{change.new.rule}]{note}"


# -- enumeration -----------------------------------------------------------------------------
