"""The executable guideline: rules as data, judged by a small generic engine.

Public API (``docs/architecture.md`` section 1)::

    library = load_library(Path("cases/guidelines"))
    guideline = library.get("her2-mbc")          # newest of the family
    evaluation = guideline.evaluate("metastatic_line", patient, ["THP_DOCETAXEL"])

Plain Python and PyYAML only: no Flask, no SQLAlchemy (import-linter enforces it).
"""

from edu.guideline.engine import Guideline
from edu.guideline.errors import (
    GuidelineError,
    InvalidAttributeValue,
    MissingPatientAttribute,
    RulesFileError,
    UnknownDecisionKind,
    UnknownGuidelineVersion,
    UnknownOptionCode,
    UnknownPatientAttribute,
)
from edu.guideline.evidence import EvidenceRegistry, Trial
from edu.guideline.library import GuidelineLibrary, clear_cache, load_library
from edu.guideline.pitfalls import Pitfall
from edu.guideline.results import EffectiveLine, Evaluation, Judgement
from edu.guideline.rules import Rule
from edu.guideline.vocabulary import VERDICT_RANK, VERDICTS

__all__ = [
    "VERDICTS",
    "VERDICT_RANK",
    "EffectiveLine",
    "Evaluation",
    "EvidenceRegistry",
    "Guideline",
    "GuidelineError",
    "GuidelineLibrary",
    "InvalidAttributeValue",
    "Judgement",
    "MissingPatientAttribute",
    "Pitfall",
    "Rule",
    "RulesFileError",
    "Trial",
    "UnknownDecisionKind",
    "UnknownGuidelineVersion",
    "UnknownOptionCode",
    "UnknownPatientAttribute",
    "clear_cache",
    "load_library",
]
