"""Rule conditions (``when:``) compiled once into small predicates.

A condition is a mapping of fact -> expected value. Every entry must hold (logical AND).
The value forms are:

- a scalar: the fact equals it (``hr_status: positive``, ``line: 2``, ``pregnant: true``);
- a list: the fact is one of them (``brain_metastases: [stable, active]``);
- ``{min: a, max: b}``: a numeric fact within the inclusive range (either bound optional);
- ``{includes: X}`` / ``{excludes: X}``: for set facts (``drugs_given``, ``regimens``),
  any of / none of the listed values (X is one value or a list).

Conditions are checked against the fact catalogue when the rules file is loaded, so a typo
in a fact name or a value is a RulesFileError, not a rule that silently never matches.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from edu.guideline.errors import listing

Facts = Mapping[str, Any]
Predicate = Callable[[Facts, str], bool]


@dataclass(frozen=True)
class FactSpec:
    """What rules may say about one fact: its type and allowed values (empty = any)."""

    name: str
    type: str  # choice | flag | number | count | set | code
    values: frozenset[Any] = frozenset()
    code_level: bool = False  # depends on the option being judged, not only on the patient


class ConditionError(ValueError):
    """A condition that does not fit the fact catalogue (turned into a RulesFileError)."""


@dataclass(frozen=True)
class Condition:
    """A compiled ``when:`` mapping."""

    raw: Mapping[str, Any]
    predicates: tuple[Predicate, ...]
    code_level: bool

    @property
    def specificity(self) -> int:
        """Number of facts the condition constrains (used to break priority ties)."""
        return len(self.raw)

    def holds(self, facts: Facts, code: str = "") -> bool:
        """Return True when every entry of the condition holds."""
        for predicate in self.predicates:
            if not predicate(facts, code):
                return False
        return True


ALWAYS = Condition(raw={}, predicates=(), code_level=False)


def compile_condition(raw: Any, catalogue: Mapping[str, FactSpec]) -> Condition:
    """Return the compiled form of a ``when:`` mapping.

    :raises ConditionError: unknown fact, wrong value type or a value outside the fact's values.
    """
    if raw is None:
        return ALWAYS
    if not isinstance(raw, Mapping):
        raise ConditionError("'when' must be a mapping of fact: value")
    predicates: list[Predicate] = []
    code_level = False
    for name, expected in raw.items():
        spec = catalogue.get(name)
        if spec is None:
            raise ConditionError(f"unknown fact {name!r} in 'when' (known: {listing(catalogue)})")
        code_level = code_level or spec.code_level
        predicates.append(_compile_one(spec, expected))
    return Condition(raw=dict(raw), predicates=tuple(predicates), code_level=code_level)


def _check_values(spec: FactSpec, values: list[Any]) -> None:
    for value in values:
        if spec.type == "flag" and not isinstance(value, bool):
            raise ConditionError(f"fact {spec.name!r} is true or false, not {value!r}")
        if spec.type in ("number", "count") and (
            isinstance(value, bool) or not isinstance(value, int | float)
        ):
            raise ConditionError(f"fact {spec.name!r} is a number, not {value!r}")
        if spec.values and value not in spec.values:
            raise ConditionError(
                f"fact {spec.name!r} cannot be {value!r} "
                f"(values: {listing(sorted(map(str, spec.values)))})"
            )


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _compile_one(spec: FactSpec, expected: Any) -> Predicate:
    name = spec.name
    if spec.name == "first_not_given_of":
        order = tuple(_as_list(expected))
        _check_values(spec, list(order))

        def first_not_given(facts: Facts, code: str) -> bool:
            given = facts["regimens"]
            for candidate in order:
                if candidate not in given:
                    return candidate == code
            return False

        return first_not_given
    if spec.name == "this_given":
        _check_values(spec, [expected])

        def this_given(facts: Facts, code: str) -> bool:
            return (code in facts["regimens"]) is expected

        return this_given
    if spec.type == "set":
        if not isinstance(expected, Mapping) or set(expected) - {"includes", "excludes"}:
            raise ConditionError(f"fact {name!r} takes {{includes: ...}} or {{excludes: ...}}")
        includes = frozenset(_as_list(expected.get("includes", [])))
        excludes = frozenset(_as_list(expected.get("excludes", [])))
        _check_values(spec, [*includes, *excludes])

        def in_set(facts: Facts, code: str) -> bool:
            have = facts[name]
            if includes and includes.isdisjoint(have):
                return False
            return excludes.isdisjoint(have)

        return in_set
    if isinstance(expected, Mapping):
        if spec.type not in ("number", "count") or set(expected) - {"min", "max"}:
            raise ConditionError(f"fact {name!r}: only numbers take {{min: ..., max: ...}}")
        low, high = expected.get("min"), expected.get("max")
        _check_values(spec, [v for v in (low, high) if v is not None])

        def in_range(facts: Facts, code: str) -> bool:
            value = facts[name]
            if value is None:
                return False
            return (low is None or value >= low) and (high is None or value <= high)

        return in_range
    if isinstance(expected, list):
        _check_values(spec, expected)
        allowed = frozenset(expected)

        def one_of(facts: Facts, code: str) -> bool:
            return facts[name] in allowed

        return one_of
    _check_values(spec, [expected])
    if isinstance(expected, bool):
        # `is` so that 1 never passes for true
        def is_flag(facts: Facts, code: str) -> bool:
            return facts[name] is expected

        return is_flag

    def equals(facts: Facts, code: str) -> bool:
        return facts[name] == expected

    return equals
