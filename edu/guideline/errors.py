"""Errors raised by the guideline engine.

Every error is a ``ValueError`` whose message is one clear line, so the command line can
print it as it is and the web layer can turn it into a 400 without rewording it.
"""

from __future__ import annotations

from collections.abc import Iterable


class GuidelineError(ValueError):
    """Base class: bad input for the engine, or a broken rules file."""


class UnknownGuidelineVersion(GuidelineError):
    """A guideline name that is neither a known version nor a known family."""


class UnknownDecisionKind(GuidelineError):
    """A decision kind the guideline version does not define."""


class UnknownOptionCode(GuidelineError):
    """An option code that does not belong to the decision kind in this version."""


class UnknownPatientAttribute(GuidelineError):
    """A patient attribute the vocabulary does not define."""


class InvalidAttributeValue(GuidelineError):
    """A patient attribute with a value of the wrong type or outside its allowed values."""


class MissingPatientAttribute(GuidelineError):
    """A patient attribute the decision needs but the input does not give."""


class RulesFileError(GuidelineError):
    """A rules, evidence or pitfalls file that cannot be loaded; names the file and the fault."""

    def __init__(self, path: object, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


def listing(items: Iterable[str]) -> str:
    """Return ``items`` joined for an error message (``"a, b, c"``)."""
    return ", ".join(items)
