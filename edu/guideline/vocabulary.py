"""The vocabulary of a guideline version: verdicts, patient attributes, decision kinds, codes.

Decision kinds, option codes and patient attributes are declared in the rules file (a new
version may add codes without a code change); this module turns those declarations into
checked objects and validates a patient against them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from edu.guideline.errors import (
    InvalidAttributeValue,
    MissingPatientAttribute,
    RulesFileError,
    UnknownDecisionKind,
    UnknownOptionCode,
    UnknownPatientAttribute,
    listing,
)

VERDICTS: tuple[str, ...] = ("preferred", "acceptable", "not_recommended", "contraindicated")
"""The four verdicts, best first."""

VERDICT_RANK: dict[str, int] = {verdict: rank for rank, verdict in enumerate(VERDICTS)}
"""Verdict -> rank; a higher rank is a worse verdict."""

ATTRIBUTE_TYPES = ("choice", "flag", "number", "count", "codes")


@dataclass(frozen=True)
class AttributeSpec:
    """One patient attribute: its type, allowed values, default and when it is required."""

    name: str
    type: str
    description: str = ""
    values: tuple[str, ...] = ()
    default: Any = None
    required: bool = False
    # attribute -> values under which this attribute becomes required
    required_when: Mapping[str, tuple[Any, ...]] | None = None
    minimum: float | None = None
    maximum: float | None = None
    decision: str | None = None  # for "codes": the decision kind the codes belong to

    def to_json(self) -> dict[str, Any]:
        """Return the attribute as printed by ``guideline codes``."""
        out: dict[str, Any] = {"type": self.type}
        if self.description:
            out["description"] = self.description
        if self.values:
            out["values"] = list(self.values)
        if self.required:
            out["required"] = True
        elif self.required_when:
            out["required_when"] = {k: list(v) for k, v in self.required_when.items()}
        else:
            out["default"] = list(self.default) if isinstance(self.default, tuple) else self.default
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        if self.decision:
            out["codes_of"] = self.decision
        return out


@dataclass(frozen=True)
class OptionCode:
    """An option code: its decision kind, plain-words label and the drugs it contains."""

    code: str
    decision: str
    label: str
    contains: frozenset[str] = frozenset()
    since: str = ""  # the version that introduced the code


@dataclass(frozen=True)
class DecisionKind:
    """A kind of decision and the option codes it offers, in declaration order."""

    name: str
    title: str
    codes: tuple[str, ...]
    needs: tuple[str, ...] = ()
    uses_line: bool = False
    since: str = ""
    _code_set: frozenset[str] = field(default=frozenset(), repr=False, compare=False)

    def has(self, code: str) -> bool:
        """Return True when ``code`` belongs to this decision kind."""
        return code in self._code_set


class Vocabulary:
    """Attributes, decision kinds and codes of one guideline version."""

    def __init__(
        self,
        attributes: Mapping[str, AttributeSpec],
        kinds: Mapping[str, DecisionKind],
        codes: Mapping[str, OptionCode],
        drugs: Mapping[str, str],
    ) -> None:
        self.attributes = dict(attributes)
        self.kinds = dict(kinds)
        self.codes = dict(codes)
        self.drugs = dict(drugs)
        self._defaults = {
            name: spec.default
            for name, spec in self.attributes.items()
            if not spec.required and not spec.required_when
        }
        # Attributes with no default start as None so rule conditions can test for them.
        for name in self.attributes:
            self._defaults.setdefault(name, None)
        self._checkers: dict[str, Callable[[Any], Any]] = {
            name: self._checker(spec) for name, spec in self.attributes.items()
        }
        self._needed_by_any = tuple(
            name for name, spec in self.attributes.items() if spec.required or spec.required_when
        )

    # -- lookups -------------------------------------------------------------------------

    def kind(self, name: str) -> DecisionKind:
        """Return the decision kind ``name``; raises UnknownDecisionKind."""
        try:
            return self.kinds[name]
        except (KeyError, TypeError):
            raise UnknownDecisionKind(
                f"unknown decision kind {name!r} (known: {listing(self.kinds)})"
            ) from None

    def check_code(self, kind: DecisionKind, code: Any) -> str:
        """Return ``code`` if it belongs to ``kind``; raises UnknownOptionCode naming it."""
        if isinstance(code, str) and kind.has(code):
            return code
        raise UnknownOptionCode(
            f"unknown option code {code!r} for decision {kind.name!r} "
            f"(valid codes: {listing(kind.codes)})"
        )

    def label(self, code: str) -> str:
        """Return the plain-words label of ``code``; raises UnknownOptionCode."""
        try:
            return self.codes[code].label
        except (KeyError, TypeError):
            raise UnknownOptionCode(
                f"unknown option code {code!r} (valid codes: {listing(self.codes)})"
            ) from None

    # -- patient validation --------------------------------------------------------------

    def validate_patient(self, patient: Any, needs: Sequence[str] | None = None) -> dict[str, Any]:
        """Return the patient with defaults applied and values normalised.

        :param needs: attributes that must be present (subject to their ``required_when``);
            None means every attribute that is required anywhere.
        :raises UnknownPatientAttribute, InvalidAttributeValue, MissingPatientAttribute:
        """
        if not isinstance(patient, Mapping):
            raise InvalidAttributeValue("patient must be an object of attribute: value pairs")
        out = dict(self._defaults)
        checkers = self._checkers
        for name, value in patient.items():
            check = checkers.get(name)
            if check is None:
                raise UnknownPatientAttribute(
                    f"unknown patient attribute {name!r} (known: {listing(self.attributes)})"
                )
            out[name] = check(value)
        for name in self._needed_by_any if needs is None else needs:
            if out.get(name) is not None:
                continue
            spec = self.attributes[name]
            if spec.required_when and not all(
                out.get(other) in allowed for other, allowed in spec.required_when.items()
            ):
                continue
            why = ""
            if spec.required_when:
                why = (
                    " (needed because "
                    + " and ".join(f"{other} is {out.get(other)!r}" for other in spec.required_when)
                    + ")"
                )

            raise MissingPatientAttribute(f"missing patient attribute {name!r}{why}")
        return out

    def _checker(self, spec: AttributeSpec) -> Callable[[Any], Any]:
        """Return a function that normalises one value of ``spec`` or raises."""
        name = spec.name

        def bad(value: Any, expected: str) -> InvalidAttributeValue:
            return InvalidAttributeValue(
                f"patient attribute {name!r} must be {expected}; got {value!r}"
            )

        if spec.type == "choice":
            allowed = frozenset(spec.values)
            expected = "one of " + listing(spec.values)

            def check_choice(value: Any) -> Any:
                if isinstance(value, str) and value in allowed:
                    return value
                raise bad(value, expected)

            return check_choice
        if spec.type == "flag":

            def check_flag(value: Any) -> Any:
                if value is True or value is False:
                    return value
                raise bad(value, "true or false")

            return check_flag
        if spec.type in ("number", "count"):
            low, high, whole = spec.minimum, spec.maximum, spec.type == "count"
            expected = "a whole number" if whole else "a number"
            if low is not None and high is not None:
                expected += f" from {low:g} to {high:g}"
            elif low is not None:
                expected += f" of at least {low:g}"

            def check_number(value: Any) -> Any:
                # bool is an int in Python but never a valid clinical number
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise bad(value, expected)
                if isinstance(value, float):
                    if not math.isfinite(value) or (whole and not value.is_integer()):
                        raise bad(value, expected)
                    if whole:
                        value = int(value)
                if (low is not None and value < low) or (high is not None and value > high):
                    raise bad(value, expected)
                return value

            return check_number
        # "codes": an ordered list of option codes of one decision kind
        kind_name = spec.decision or ""

        def check_codes(value: Any) -> Any:
            if not isinstance(value, list | tuple):
                raise bad(value, f"a list of {kind_name} option codes")
            kind = self.kinds[kind_name]
            for code in value:
                if not (isinstance(code, str) and kind.has(code)):
                    raise InvalidAttributeValue(
                        f"patient attribute {name!r} holds unknown {kind_name} option code "
                        f"{code!r} (valid codes: {listing(kind.codes)})"
                    )
            return tuple(value)

        return check_codes

    def to_json(self) -> dict[str, Any]:
        """Return the vocabulary as printed by ``guideline codes`` (minus version keys)."""
        return {
            "verdicts": list(VERDICTS),
            "patient_attributes": {n: s.to_json() for n, s in self.attributes.items()},
            "decision_kinds": {
                kind.name: {
                    "title": kind.title,
                    "needs": list(kind.needs),
                    "options": {code: self.codes[code].label for code in kind.codes},
                }
                for kind in self.kinds.values()
            },
        }


# -- building a vocabulary from the rules file ----------------------------------------------


def _fail(path: object, problem: str) -> RulesFileError:
    return RulesFileError(path, problem)


def build_attributes(raw: Any, path: object) -> dict[str, AttributeSpec]:
    """Return the attribute specs declared under ``patient_attributes``."""
    if not isinstance(raw, Mapping) or not raw:
        raise _fail(path, "patient_attributes must be a non-empty mapping")
    specs: dict[str, AttributeSpec] = {}
    for name, body in raw.items():
        where = f"patient attribute {name!r}"
        if not isinstance(body, Mapping):
            raise _fail(path, f"{where} must be a mapping")
        unknown = set(body) - {
            "type",
            "description",
            "values",
            "default",
            "required",
            "required_when",
            "minimum",
            "maximum",
            "decision",
        }
        if unknown:
            raise _fail(path, f"{where} has unknown keys: {listing(sorted(unknown))}")
        kind = body.get("type")
        if kind not in ATTRIBUTE_TYPES:
            raise _fail(path, f"{where} type must be one of {listing(ATTRIBUTE_TYPES)}")
        values = tuple(body.get("values") or ())
        if kind == "choice" and not values:
            raise _fail(path, f"{where} is a choice but lists no values")
        required_when = body.get("required_when")
        if required_when is not None:
            if not isinstance(required_when, Mapping):
                raise _fail(path, f"{where} required_when must be a mapping")
            required_when = {k: tuple(v) for k, v in required_when.items()}
        default = body.get("default")
        if kind == "codes":
            default = tuple(default or ())
            if not body.get("decision"):
                raise _fail(path, f"{where} lists codes but names no decision kind")
        required = bool(body.get("required", False))
        if not required and not required_when and "default" not in body and kind != "codes":
            raise _fail(path, f"{where} needs a default, required: true or required_when")
        specs[name] = AttributeSpec(
            name=name,
            type=kind,
            description=str(body.get("description", "")),
            values=values,
            default=default,
            required=required,
            required_when=required_when,
            minimum=body.get("minimum"),
            maximum=body.get("maximum"),
            decision=body.get("decision"),
        )
    for spec in specs.values():
        for other in spec.required_when or {}:
            if other not in specs:
                raise _fail(path, f"patient attribute {spec.name!r} depends on unknown {other!r}")
    return specs


def build_kinds(
    raw: Mapping[str, Any],
    attributes: Mapping[str, AttributeSpec],
    drugs: Mapping[str, str],
    path_of: Callable[[str], object],
) -> tuple[dict[str, DecisionKind], dict[str, OptionCode]]:
    """Return decision kinds and codes from the merged ``decisions`` section.

    :param path_of: maps a decision kind to the file that declared it (for errors).
    """
    kinds: dict[str, DecisionKind] = {}
    codes: dict[str, OptionCode] = {}
    for name, body in raw.items():
        path = path_of(name)
        where = f"decision kind {name!r}"
        needs = tuple(body.get("needs") or ())
        for attribute in needs:
            if attribute not in attributes:
                raise _fail(path, f"{where} needs unknown patient attribute {attribute!r}")
        code_bodies = body.get("codes")
        if not isinstance(code_bodies, Mapping) or not code_bodies:
            raise _fail(path, f"{where} must list its codes")
        for code, spec in code_bodies.items():
            if not isinstance(spec, Mapping) or not str(spec.get("label", "")).strip():
                raise _fail(path_of(code), f"option code {code!r} needs a plain-words label")
            contains = frozenset(spec.get("contains") or ())
            unknown = contains - set(drugs)
            if unknown:
                raise _fail(
                    path_of(code),
                    f"option code {code!r} contains unknown drugs: {listing(unknown)}",
                )
            if code in codes:
                raise _fail(path_of(code), f"option code {code!r} is declared twice")
            codes[code] = OptionCode(
                code=code,
                decision=name,
                label=str(spec["label"]).strip(),
                contains=contains,
                since=str(spec.get("since", "")),
            )
        kinds[name] = DecisionKind(
            name=name,
            title=str(body.get("title", name)),
            codes=tuple(code_bodies),
            needs=needs,
            uses_line=bool(body.get("effective_line", False)),
            since=str(body.get("since", "")),
            _code_set=frozenset(code_bodies),
        )
    return kinds, codes
