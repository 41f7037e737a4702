"""What the engine returns: judgements, evaluations and the effective line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from edu.guideline.errors import UnknownOptionCode, listing


@dataclass(frozen=True)
class Judgement:
    """The engine's verdict on one option, with the rule behind it and the reason why."""

    code: str
    verdict: str
    rule: str
    explanation: str
    citations: tuple[str, ...]
    pitfalls: tuple[str, ...]
    sources_differ: bool = False
    note: str | None = None
    label: str = ""

    @property
    def safety_error(self) -> bool:
        """True when choosing this option would harm the patient."""
        return self.verdict == "contraindicated"

    def to_json(self) -> dict[str, Any]:
        """Return the contract's per-option object (plus ``label``, ``safety_error``)."""
        out: dict[str, Any] = {
            "code": self.code,
            "label": self.label,
            "verdict": self.verdict,
            "rule": self.rule,
            "explanation": self.explanation,
            "citations": list(self.citations),
            "pitfalls": list(self.pitfalls),
            "sources_differ": self.sources_differ,
            "safety_error": self.safety_error,
        }
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Flag:
    """A rule entry that marks a disagreement between sources without changing the verdict."""

    note: str
    citations: tuple[str, ...] = ()


@dataclass(frozen=True)
class EffectiveLine:
    """The line of metastatic therapy the patient is in, derived from the history."""

    line: int
    sources_differ: bool = False
    note: str | None = None
    relapse_band: str = "de-novo"
    regimens_given: int = 0

    def to_json(self) -> dict[str, Any]:
        """Return the effective line as a JSON-ready dict."""
        out: dict[str, Any] = {
            "line": self.line,
            "sources_differ": self.sources_differ,
            "relapse_band": self.relapse_band,
        }
        if self.note:
            out["note"] = self.note
        return out


@dataclass(frozen=True)
class Evaluation:
    """The judgements for every option offered at one decision, in input order."""

    guideline: str
    decision: str
    effective_line: int | None
    judgements: tuple[Judgement, ...]
    line_detail: EffectiveLine | None = None
    rules_applied: tuple[str, ...] = field(default=())

    def for_code(self, code: str) -> Judgement:
        """Return the judgement of ``code``; raises UnknownOptionCode if it was not offered."""
        for judgement in self.judgements:
            if judgement.code == code:
                return judgement
        raise UnknownOptionCode(
            f"option {code!r} was not offered (offered: {listing(j.code for j in self.judgements)})"
        )

    def to_json(self) -> dict[str, Any]:
        """Return the contract's output object (more keys than the contract are welcome)."""
        out: dict[str, Any] = {
            "guideline": self.guideline,
            "decision": self.decision,
            "effective_line": self.effective_line,
        }
        if self.line_detail is not None:
            out["effective_line_detail"] = self.line_detail.to_json()
        out["rules_applied"] = list(self.rules_applied)
        out["options"] = [judgement.to_json() for judgement in self.judgements]
        return out
