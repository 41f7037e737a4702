"""Shared helpers for the guideline tests: where the rules live and short evaluators."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from edu.guideline import Guideline, Judgement, load_library

ROOT = Path(__file__).resolve().parents[3]
GUIDELINES = ROOT / "cases" / "guidelines"
CLINICAL = ROOT.parent / "shared" / "clinical"
REFERENCE = CLINICAL / "HER2-MBC-REFERENCE.md"
CHANGES = CLINICAL / "HER2-MBC-2026.2-CHANGES.md"
CONTRACT = CLINICAL / "ENGINE-CONTRACT.md"

V1 = "her2-mbc-2026.1"
V2 = "her2-mbc-2026.2"
LINE = "metastatic_line"


def guideline(version: str = V1) -> Guideline:
    """Return one version of the real rules (the library is cached per directory)."""
    return load_library(GUIDELINES).get(version)


def patient(**attributes: Any) -> dict[str, Any]:
    """Return a patient: HR-negative, de novo, no history, unless told otherwise."""
    return {"hr_status": "negative", **attributes}


def judge(code: str, version: str = V1, decision: str = LINE, **attributes: Any) -> Judgement:
    """Return the judgement of one option for ``patient(**attributes)``."""
    return guideline(version).evaluate(decision, patient(**attributes), [code]).judgements[0]


def verdicts(
    version: str = V1, decision: str = LINE, attributes: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """Return code -> verdict for every code of the decision."""
    evaluation = guideline(version).evaluate(decision, patient(**(attributes or {})))
    return {j.code: j.verdict for j in evaluation.judgements}


def preferred(version: str = V1, decision: str = LINE, **attributes: Any) -> set[str]:
    """Return the preferred codes for a patient."""
    return {c for c, v in verdicts(version, decision, attributes).items() if v == "preferred"}
