"""The patient as the learner has them: the baseline plus the events on the path taken.

The guideline engine must judge the patient the learner actually has. If one learner gave
trastuzumab + paclitaxel in first line and another gave THP, the same "progression" node
leaves them with different histories, so the second-line verdicts differ. This module is
the one place that computes that state, for play (services) and for the linter alike.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from edu.cases.model import Case, Event, Node

#: Front-matter ``patient`` keys shown in the patient panel but never sent to the engine.
DISPLAY_KEYS = (
    "name",
    "age",
    "sex",
    "pronouns",
    "ecog",
    "weight_kg",
    "height_cm",
    "occupation",
    "comorbidities",
    "medications",
    "allergies",
    "summary",
)
#: Event names that are not patient attributes: they act on history and the case clock.
PSEUDO_EVENTS = ("progressed_on", "months_elapsed", "line_note")
#: ``progressed_on: chosen`` refers to the choice made at the latest decision of this kind.
LINE_DECISION = "metastatic_line"
#: The engine attribute that holds the metastatic regimens already failed.
REGIMENS = "metastatic_regimens"


class InvalidPath(ValueError):
    """A path that does not follow the case's links, or an event that cannot be applied."""


@dataclass(frozen=True)
class PatientState:
    """The patient at one point of a case.

    ``attributes`` are engine attributes only (contract names); ``display`` holds the
    facts shown to the learner (name, age, ...). ``months_elapsed`` is the case clock.
    ``last_line_choice`` remembers the latest ``metastatic_line`` choice for
    ``progressed_on: chosen``.
    """

    attributes: Mapping[str, object]
    display: Mapping[str, object]
    months_elapsed: float = 0
    line_note: str | None = None
    last_line_choice: str | None = None
    _key: tuple = field(default=(), compare=False, repr=False)

    def engine_patient(self) -> dict[str, object]:
        """Return a fresh dict for the guideline engine (lists copied, so callers may mutate)."""
        return {
            name: list(value) if isinstance(value, list | tuple) else value
            for name, value in self.attributes.items()
        }

    def engine_key(self) -> tuple:
        """Return a hashable identity of the engine attributes (for caching verdicts)."""
        if not self._key:
            object.__setattr__(self, "_key", _freeze(self.attributes))
        return self._key

    def key(self) -> tuple:
        """Return a hashable identity of what can change a verdict from here on.

        The clock and notes are left out on purpose: a loop that only lets months pass
        would otherwise never repeat a state, and the linter's path walk would not end.
        """
        return self.engine_key(), self.last_line_choice

    def summary(self) -> str:
        """Return the engine attributes as one short line for lint messages."""
        parts = []
        for name, value in self.attributes.items():
            shown = (
                "[" + ", ".join(map(str, value)) + "]" if isinstance(value, list | tuple) else value
            )
            parts.append(f"{name}={shown}")
        return ", ".join(parts) or "baseline defaults"


def _freeze(attributes: Mapping[str, object]) -> tuple:
    return tuple(
        sorted(
            (name, tuple(value) if isinstance(value, list | tuple) else value)
            for name, value in attributes.items()
        )
    )


def split_patient(patient: Mapping[str, object]) -> tuple[dict[str, object], dict[str, object]]:
    """Return ``(engine_attributes, display_facts)`` of a front-matter ``patient`` mapping."""
    attributes: dict[str, object] = {}
    display: dict[str, object] = {}
    for name, value in patient.items():
        if name in DISPLAY_KEYS:
            display[name] = value
        else:
            attributes[name] = list(value) if isinstance(value, list | tuple) else value
    return attributes, display


def initial_state(case: Case) -> PatientState:
    """Return the patient at the start of ``case`` (its front-matter baseline)."""
    attributes, display = split_patient(case.patient)
    return PatientState(MappingProxyType(attributes), MappingProxyType(display))


def pseudo_event_problem(event: Event) -> str | None:
    """Return what is wrong with a pseudo-event's value (``progressed_on`` ...), or None.

    Contract attributes are checked by the guideline engine; these three are ours.
    """
    if event.attribute == "months_elapsed":
        value = event.value
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 600:
            return (
                f"months_elapsed must be a number of months from 0 to 600, not {value!r}: "
                "write e.g. '- months_elapsed: 6'"
            )
    elif event.attribute == "progressed_on":
        if not isinstance(event.value, str) or not event.value:
            return (
                "progressed_on names the regimen that failed: an option code such as "
                f"THP_DOCETAXEL, or 'chosen', not {event.value!r}"
            )
    elif event.attribute == "line_note" and not isinstance(event.value, str):
        return "line_note must be a short piece of text: write e.g. '- line_note: Second line'"
    return None


def enter_node(state: PatientState, node: Node) -> PatientState:
    """Return the state after the learner enters ``node`` (its events applied in order).

    :raises InvalidPath: for ``progressed_on: chosen`` before any ``metastatic_line`` choice.
    """
    if not node.events:
        return state
    attributes = dict(state.attributes)
    display = dict(state.display)
    months = state.months_elapsed
    line_note = state.line_note
    for event in node.events:
        if event.attribute == "months_elapsed":
            if isinstance(event.value, int | float) and not isinstance(event.value, bool):
                months += event.value
        elif event.attribute == "line_note":
            line_note = str(event.value)
        elif event.attribute == "progressed_on":
            code = event.value
            if code == "chosen":
                code = state.last_line_choice
                if code is None:
                    raise InvalidPath(
                        f"'progressed_on: chosen' on line {event.line} comes before any "
                        f"{LINE_DECISION} decision on this path: name the regimen instead"
                    )
            regimens = attributes.get(REGIMENS) or []
            attributes[REGIMENS] = [*regimens, code] if isinstance(regimens, list) else [code]
        elif event.attribute in DISPLAY_KEYS:
            display[event.attribute] = event.value
        else:
            attributes[event.attribute] = event.value
    return replace(
        state,
        attributes=MappingProxyType(attributes),
        display=MappingProxyType(display),
        months_elapsed=months,
        line_note=line_note,
        _key=(),
    )


def after_choice(state: PatientState, node: Node, code: str) -> PatientState:
    """Return the state after choosing ``code`` at ``node`` (remembers line choices)."""
    if node.decision != LINE_DECISION or state.last_line_choice == code:
        return state
    return replace(state, last_line_choice=code)


def state_on_path(case: Case, path: Sequence[tuple[str, str | None]]) -> PatientState:
    """Return the patient on arriving at the last node of ``path``.

    :param path: ``[(node_id, chosen_code_or_None), ...]`` from the start node to the
        current node; every node but the last that is a decision needs its chosen code.
    :raises InvalidPath: when the path does not follow the case's links.
    """
    if not path:
        raise InvalidPath("the path is empty: it starts with the case's start node")
    if path[0][0] != case.start:
        raise InvalidPath(f"the path must start at '{case.start}', not '{path[0][0]}'")
    state = initial_state(case)
    expected: str | None = case.start
    for index, (node_id, chosen) in enumerate(path):
        node = case.nodes.get(node_id)
        if node is None:
            raise InvalidPath(f"case '{case.id}' has no node '{node_id}'")
        if node_id != expected:
            raise InvalidPath(f"'{node_id}' does not follow from the step before it")
        state = enter_node(state, node)
        last = index == len(path) - 1
        expected = _next_node(node, chosen, last)
        if chosen is not None:
            state = after_choice(state, node, chosen)
    return state


def _next_node(node: Node, chosen: str | None, last: bool) -> str | None:
    if node.kind == "decision":
        if chosen is None:
            if last:
                return None
            raise InvalidPath(f"no option chosen at decision '{node.id}'")
        option = node.option(chosen)
        if option is None:
            raise InvalidPath(f"decision '{node.id}' does not offer {chosen}")
        return option.target
    if chosen is not None:
        raise InvalidPath(f"'{node.id}' is not a decision: nothing can be chosen there")
    return node.next
