"""Check a case's links as a graph: targets exist, nodes are reachable, every path ends.

"Every path ends" is checked from each reachable node: a node from which no ending can be
reached is a trap. Traps are reported at their root: a loop whose nodes only lead to one
another (no way out), or a node that leads nowhere.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator

from edu.cases.model import Case, Node
from edu.cases.report import Report, listing, suggest


def edges(node: Node) -> Iterator[tuple[str, int]]:
    """Yield ``(target_id, line)`` for each link of ``node``; invalid (empty) ids skipped."""
    if node.next:
        yield node.next, node.next_line or node.line
    for option in node.options:
        yield option.target, option.line


def check_graph(case: Case, report: Report) -> None:
    """Record broken links, unreachable nodes, missing endings and traps of ``case``."""
    ids = case.nodes
    for node in ids.values():
        for target, line in edges(node):
            if target not in ids:
                report.error(
                    line,
                    f"'{node.id}' leads to '#{target}', but no node has that id"
                    f"{suggest(target, ids)}: fix the id, or add a node headed "
                    f"'## Title {{#{target}}}'",
                )
    successors = {
        node.id: [target for target, _ in edges(node) if target in ids] for node in ids.values()
    }
    reachable = _reachable([case.start], successors)
    for node in ids.values():
        if node.id not in reachable:
            report.warning(
                node.line,
                f"node '{node.id}' cannot be reached from the start node '{case.start}': "
                "link to it from another node, or delete it",
            )
    endings = [node.id for node in ids.values() if node.kind == "ending"]
    if not endings:
        report.error(
            next(iter(ids.values())).line,
            "the case has no ending: add a node with an 'Ending: good|mixed|poor' line "
            "and a debrief",
        )
        return
    can_end = _can_reach(endings, successors)
    trapped = [node_id for node_id in ids if node_id in reachable and node_id not in can_end]
    for component in _sink_components(trapped, successors):
        first = ids[component[0]]
        looped = len(component) > 1 or first.id in successors[first.id]
        if looped:
            report.error(
                first.line,
                f"loop with no way out: {listing(repr(n) for n in component)} only lead to one "
                "another and never reach an ending: give one of them an option or 'Next:' "
                "that leads towards an ending",
            )
        else:
            report.error(
                first.line,
                f"paths through '{first.id}' never reach an ending: it leads nowhere; "
                "give it a valid 'Next:' or options, or make it an ending",
            )


def _reachable(starts: list[str], links: dict[str, list[str]]) -> set[str]:
    """Return the ids reachable from ``starts`` (included) along ``links``."""
    seen = set(starts)
    queue = deque(starts)
    while queue:
        for target in links[queue.popleft()]:
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def _can_reach(goals: list[str], successors: dict[str, list[str]]) -> set[str]:
    predecessors: dict[str, list[str]] = {node_id: [] for node_id in successors}
    for source, targets in successors.items():
        for target in targets:
            predecessors[target].append(source)
    return _reachable(goals, predecessors)


def _sink_components(nodes: list[str], successors: dict[str, list[str]]) -> list[list[str]]:
    """Return the strongly connected components of ``nodes`` that no edge leaves.

    Every edge of a trapped node stays among trapped nodes, so a sink component is where a
    learner ends up stuck. Each component lists its node ids in file order. Tarjan's
    algorithm, iterative, so a hostile file of thousands of nodes stays linear.
    """
    members = set(nodes)
    order = {node_id: index for index, node_id in enumerate(nodes)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    component_of: dict[str, int] = {}
    components: list[list[str]] = []
    for root in nodes:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node_id, child = work.pop()
            if child == 0:
                index[node_id] = low[node_id] = len(index)
                stack.append(node_id)
                on_stack.add(node_id)
            targets = [t for t in successors[node_id] if t in members]
            if child < len(targets):
                work.append((node_id, child + 1))
                target = targets[child]
                if target not in index:
                    work.append((target, 0))
                elif target in on_stack:
                    low[node_id] = min(low[node_id], index[target])
                continue
            if low[node_id] == index[node_id]:
                component: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component_of[member] = len(components)
                    component.append(member)
                    if member == node_id:
                        break
                components.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node_id])
    sinks = []
    for number, component in enumerate(components):
        leaves = any(
            component_of[t] != number
            for member in component
            for t in successors[member]
            if t in members
        )
        if not leaves:
            sinks.append(sorted(component, key=order.__getitem__))
    return sorted(sinks, key=lambda c: order[c[0]])
