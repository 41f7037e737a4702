"""Walk every path a learner can take through a case, carrying the patient along.

The linter and the coverage report both need "the patient at this decision on some path".
Paths multiply at every decision, but many lead to the same patient, so the walk visits
each ``(node, patient)`` pair once: loops terminate and the work stays near linear in the
number of distinct patients a case can produce.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from edu.cases.model import Case, Node
from edu.cases.state import InvalidPath, PatientState, after_choice, enter_node, initial_state

#: A case that yields more distinct patients than this has a loop that changes the patient
#: every time round, or choices whose histories multiply; the walk stops there (and says
#: so) rather than run without end. Real cases have a few dozen.
MAX_PATIENTS = 2_000
#: A bound on (node, patient) pairs as well, for huge files.
MAX_VISITS = 50_000

Trail = tuple[tuple[str, str | None], ...]


@dataclass(frozen=True)
class Visit:
    """The learner at ``node`` with ``state``, having come along ``trail``.

    ``trail`` is ``((node_id, chosen_code_or_None), ...)`` ending with ``(node.id, None)``:
    the same shape :func:`edu.cases.state.state_on_path` takes.
    """

    node: Node
    state: PatientState
    trail: Trail

    def describe(self) -> str:
        """Return the trail as ``start → first-line(TH_TAXANE) → progression``."""
        return describe_trail(self.trail)


def describe_trail(trail: Trail, limit: int = 8) -> str:
    """Return a trail as arrows, eliding the middle of long ones to keep messages short."""
    steps = [f"{node}({code})" if code else node for node, code in trail]
    if len(steps) > limit:
        steps = [*steps[:3], "...", *steps[-(limit - 4) :]]
    return " → ".join(steps)


def walk(case: Case, problem: Callable[[int, str], None]) -> Iterator[Visit]:
    """Yield a :class:`Visit` for every reachable ``(node, patient)`` pair, shortest first.

    :param problem: called with ``(line, message)`` for an event that cannot be applied on
        some path, and once if the walk has to stop early.
    """
    start = case.nodes.get(case.start)
    if start is None:
        return
    queue: deque[tuple[str, PatientState, Trail]] = deque(
        [(case.start, initial_state(case), ((case.start, None),))]
    )
    seen: set[tuple[str, tuple]] = set()
    patients: set[tuple] = set()
    while queue:
        node_id, state, trail = queue.popleft()
        node = case.nodes.get(node_id)
        if node is None:
            continue  # a broken link; the graph check reports it
        try:
            state = enter_node(state, node)
        except InvalidPath as exc:
            line = next((e.line for e in node.events if e.value == "chosen"), node.line)
            problem(line, f"{exc} (path {describe_trail(trail)})")
            continue
        key = (node_id, state.key())
        if key in seen:
            continue
        seen.add(key)
        patients.add(key[1])
        if len(patients) > MAX_PATIENTS or len(seen) > MAX_VISITS:
            problem(
                node.line,
                f"stopped checking after {len(patients)} different patients: a loop changes "
                "the patient every time round (e.g. 'progressed_on' inside a loop), or too "
                "many choices change the history; make the loop's events happen once",
            )
            return
        yield Visit(node, state, trail)
        if node.kind == "decision":
            for option in node.options:
                queue.append(
                    (
                        option.target,
                        after_choice(state, node, option.code),
                        (*trail[:-1], (node_id, option.code), (option.target, None)),
                    )
                )
        elif node.next:
            queue.append((node.next, state, (*trail, (node.next, None))))
