"""Turn an evaluation request (the contract's JSON input) into an Evaluation.

Shared by the command line and any service that accepts the same JSON, so both reject bad
input with the same one-line messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from edu.guideline.errors import GuidelineError, UnknownDecisionKind, listing
from edu.guideline.library import GuidelineLibrary
from edu.guideline.results import Evaluation

REQUEST_KEYS = ("guideline", "decision", "patient", "options")


class InvalidRequest(GuidelineError):
    """The request is not an object of the contract's shape."""


def evaluate_request(library: GuidelineLibrary, request: Any) -> Evaluation:
    """Return the evaluation asked for by a decoded JSON request.

    Checks, in order: the shape, the guideline version, the decision kind, the option
    codes, then the patient (so an unknown option is reported even for a bad patient).
    :raises GuidelineError: subclasses name exactly what is wrong, in one line.
    """
    if not isinstance(request, Mapping):
        raise InvalidRequest("input must be a JSON object with decision, patient and options")
    unknown = [key for key in request if key not in REQUEST_KEYS]
    if unknown:
        raise InvalidRequest(f"unknown input key {unknown[0]!r} (allowed: {listing(REQUEST_KEYS)})")
    name = request.get("guideline")
    if name is not None and not isinstance(name, str):
        raise InvalidRequest("'guideline' must be a version name such as her2-mbc-2026.1")
    guideline = library.get(name)
    if "decision" not in request:
        raise UnknownDecisionKind(
            f"missing 'decision' (one of {listing(guideline.decision_kinds())})"
        )
    if "options" not in request:
        raise InvalidRequest("missing 'options': a list of option codes")
    options = request["options"]
    if not isinstance(options, list) or not options:
        raise InvalidRequest("'options' must be a non-empty list of option codes")
    patient = request.get("patient", {})
    kind = (
        guideline.decision_kind(request["decision"])
        if isinstance(request["decision"], str)
        else None
    )
    if kind is None:
        raise UnknownDecisionKind(
            f"'decision' must be one of {listing(guideline.decision_kinds())}"
        )
    return guideline.evaluate(kind.name, patient, options)
