"""Read a case's sections into nodes: narrative, decisions (with options) and endings.

Only the syntax of one node is checked here (a decision has a question and at least two
options, a narrative node has one ``Next:``). Whether targets exist, every node can be
reached and every path ends is the linter's graph check (:mod:`edu.cases.graph`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from edu.cases.model import OUTCOMES, Event, Node, Option, TextBlock
from edu.cases.report import Report
from edu.cases.sections import (
    CASE_DIRECTIVES,
    LIST_ITEM,
    NODE_ID_PATTERN,
    Line,
    Prose,
    Section,
    check_near_directive,
    directive,
    strip_blank,
    text_blocks,
)
from edu.cases.source import parse_scalar

_CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")
_ATTRIBUTE = re.compile(r"^[a-z][a-z0-9_]*$")
_ARROW = re.compile(r"(?:->|→)\s*#")
_CODE_LIKE = re.compile(r"^[A-Z][A-Z0-9]*_[A-Z0-9_]*\s*:")
#: Event values kept as written: free text where YAML would trip over a colon.
TEXT_EVENTS = ("line_note",)


@dataclass
class _NodeDraft:
    """What has been read of one section so far."""

    body: Prose = field(default_factory=Prose)
    question: Prose = field(default_factory=Prose)
    events: list[Event] = field(default_factory=list)
    options: list[Option] = field(default_factory=list)
    notes: list[TextBlock] = field(default_factory=list)
    decision: str | None = None
    decision_line: int | None = None
    outcome: str | None = None
    outcome_line: int | None = None
    next: str | None = None
    next_line: int | None = None
    phase: str = "body"  # body -> question (after Decision:) -> options -> after


def parse_nodes(sections: list[Section], report: Report) -> tuple[dict[str, Node], list[TextBlock]]:
    """Return the nodes by id in file order, and every prose block (for citation checks)."""
    nodes: dict[str, Node] = {}
    texts: list[TextBlock] = []
    for section in sections:
        node, blocks = _parse_node(section, report)
        if node.id in nodes:
            report.error(
                node.line,
                f"duplicate node id '{node.id}' (first used on line {nodes[node.id].line}): "
                "give each node its own id",
            )
            continue
        nodes[node.id] = node
        texts.extend(blocks)
    return nodes, texts


def _parse_node(section: Section, report: Report) -> tuple[Node, list[TextBlock]]:
    draft = _NodeDraft()
    lines = section.lines
    index = 0
    while index < len(lines):
        line = lines[index]
        found = None if line.fenced else directive(line, CASE_DIRECTIVES)
        item = LIST_ITEM.match(line.text) if line.top_level else None
        if found is not None:
            index = _apply_directive(draft, section, lines, index, found, report)
            continue
        if item and _is_option(item.group(1), draft.phase):
            index = _read_option(draft, section, lines, index, item.group(1), report)
            continue
        if draft.phase in ("options", "after"):
            if not line.blank and draft.phase == "options":
                report.error(
                    line.number,
                    f"text after the options of '{section.id}' is never shown: move it above "
                    "the 'Decision:' line, or indent it as a 'Note:' under an option",
                )
                draft.phase = "after"
        else:
            if item and draft.phase == "question" and _CODE_LIKE.match(item.group(1)):
                report.warning(
                    line.number,
                    "this list item looks like an option but has no '-> #target': "
                    "end it with '-> #node-id', or it is read as part of the question",
                )
            check_near_directive(line, CASE_DIRECTIVES, report)
            (draft.body if draft.phase == "body" else draft.question).add(line)
        index += 1
    return _finish(draft, section, report)


def _is_option(text: str, phase: str) -> bool:
    # Before the option list starts, only an arrow to a node marks an option, so ordinary
    # lists in the narrative or the question ("- HER2: IHC 3+", "- ALT 40 -> 120") stay prose.
    return phase == "options" or _ARROW.search(text) is not None


def _apply_directive(
    draft: _NodeDraft,
    section: Section,
    lines: list[Line],
    index: int,
    found: tuple[str, str],
    report: Report,
) -> int:
    keyword, value = found
    number = lines[index].number
    if draft.phase in ("options", "after"):
        report.error(
            number,
            f"'{keyword}:' after the options is not read as part of the decision: "
            "move it above the 'Decision:' line",
        )
        return _skip_list(lines, index + 1) if keyword == "Events" else index + 1
    if keyword == "Events":
        return _read_events(draft, lines, index, value, report)
    if keyword == "Decision":
        if draft.decision is not None:
            report.error(
                number,
                f"'{section.id}' already has a decision (line {draft.decision_line}): "
                "one decision per node; split it into two nodes",
            )
        elif not re.match(r"^[a-z][a-z0-9_]*$", value):
            report.error(
                number,
                f"'Decision:' must name a decision kind such as metastatic_line, not {value!r}",
            )
            draft.decision, draft.decision_line = "", number
        else:
            draft.decision, draft.decision_line = value, number
        draft.phase = "question"
    elif keyword == "Ending":
        if value not in OUTCOMES:
            report.error(
                number,
                f"'Ending:' must be one of {', '.join(OUTCOMES)}, not {value!r}: write one of them",
            )
        draft.outcome, draft.outcome_line = value, number
    else:  # Next
        if draft.next is not None:
            report.error(
                number,
                f"'{section.id}' already has 'Next:' on line {draft.next_line}: a narrative "
                "node leads to exactly one node; use a decision to branch",
            )
        elif not value.startswith("#") or not NODE_ID_PATTERN.match(value[1:]):
            report.error(
                number,
                f"'Next:' must name one node as '#node-id', e.g. 'Next: #staging', not {value!r}",
            )
            draft.next, draft.next_line = "", number
        else:
            draft.next, draft.next_line = value[1:], number
    return index + 1


def _skip_list(lines: list[Line], index: int) -> int:
    while index < len(lines) and (lines[index].blank or LIST_ITEM.match(lines[index].text)):
        index += 1
    return index


def _read_events(
    draft: _NodeDraft, lines: list[Line], index: int, inline: str, report: Report
) -> int:
    number = lines[index].number
    if inline:
        report.error(
            number,
            "list events on the lines below 'Events:', one '- attribute: value' per line",
        )
    index += 1
    count = 0
    while index < len(lines):
        line = lines[index]
        item = LIST_ITEM.match(line.text) if line.top_level else None
        if line.blank:
            if count:
                break  # a blank line ends the event list: a list after it is narrative
            index += 1
            continue
        if not item:
            break
        count += 1
        _read_event(draft, item.group(1), line.number, report)
        index += 1
    if not count and not inline:
        report.error(
            number,
            "'Events:' is followed by no events: add '- attribute: value' lines, "
            "e.g. '- months_elapsed: 18', or remove it",
        )
    return index


def _read_event(draft: _NodeDraft, text: str, number: int, report: Report) -> None:
    attribute, colon, raw = text.partition(":")
    attribute, raw = attribute.strip(), raw.strip()
    if not colon or not _ATTRIBUTE.match(attribute) or not raw:
        report.error(
            number,
            "an event reads '- attribute: value', e.g. '- brain_metastases: active' "
            f"(got {text.strip()[:60]!r})",
        )
        return
    if attribute in TEXT_EVENTS:
        value: object = raw.strip("\"'")
    else:
        value, problem = parse_scalar(raw)
        if problem:
            report.error(number, f"event '{attribute}': {problem}")
            return
    draft.events.append(Event(attribute, value, number))


def _read_option(
    draft: _NodeDraft,
    section: Section,
    lines: list[Line],
    index: int,
    text: str,
    report: Report,
) -> int:
    number = lines[index].number
    note_lines, index = _read_note(lines, index + 1, report)
    if draft.decision is None:
        report.error(
            number,
            f"'{section.id}' lists an option but has no 'Decision: <kind>' line: add one "
            "above the question, or remove the '->' to make it an ordinary list item",
        )
        return index
    draft.phase = "options"
    head, arrow, target = text.rpartition("->") if "->" in text else text.rpartition("→")
    code, colon, label = head.partition(":")
    code, label, target = code.strip(), label.strip(), target.strip()
    if not arrow or not target.startswith("#") or not NODE_ID_PATTERN.match(target[1:]):
        report.error(
            number,
            "an option reads '- CODE: label -> #target-node'; "
            f"this one has no valid '-> #target' (got {text.strip()[:60]!r})",
        )
        return index
    if not colon or not _CODE.match(code):
        report.error(
            number,
            f"option code {code!r} must be an upper-case contract code: write it before a colon, "
            "e.g. '- THP_DOCETAXEL: Pertuzumab + trastuzumab + docetaxel -> #cycles'",
        )
        return index
    if not label:
        report.error(number, f"option {code} has no label: write what the learner reads")
    duplicate = next((option for option in draft.options if option.code == code), None)
    if duplicate is not None:
        report.error(
            number,
            f"option {code} is offered twice (first on line {duplicate.line}): "
            "remove one (each code once per decision)",
        )
        return index
    note = strip_blank("\n".join(line.text for line in note_lines)) or None
    draft.notes.extend(text_blocks(note_lines))
    draft.options.append(Option(code, label or code, target[1:], note, number))
    return index


def _read_note(lines: list[Line], index: int, report: Report) -> tuple[list[Line], int]:
    """Read the indented lines under an option: ``Note:`` and its continuation lines."""
    note: list[Line] = []
    indent = 0
    while index < len(lines):
        line = lines[index]
        if line.blank:
            following = next((later for later in lines[index:] if not later.blank), None)
            if following is None or following.top_level or not note:
                break
            note.append(Line(line.number, ""))
            index += 1
            continue
        if line.top_level:
            break
        stripped = line.text.lstrip()
        if not note:
            if not stripped.startswith("Note:"):
                report.error(
                    line.number,
                    "indented text under an option must start with 'Note:' "
                    "(the author's teaching note): add 'Note:' or un-indent it",
                )
                index += 1
                continue
            indent = len(line.text) - len(stripped)
            note.append(Line(line.number, stripped[len("Note:") :].lstrip()))
        elif stripped.startswith("Note:") and not line.fenced:
            report.error(line.number, "an option has one 'Note:': merge the two notes")
            note.append(Line(line.number, stripped[len("Note:") :].lstrip()))
        else:
            dedented = line.text[indent:] if line.text[:indent].isspace() else stripped
            note.append(Line(line.number, dedented))
        index += 1
    return note, index


def _finish(draft: _NodeDraft, section: Section, report: Report) -> tuple[Node, list[TextBlock]]:
    name = section.id
    if draft.decision is not None:
        kind = "decision"
        if draft.outcome is not None:
            report.error(
                draft.outcome_line or section.line,
                f"'{name}' has both 'Decision:' and 'Ending:': a node is one or the other; "
                "remove one",
            )
        if draft.next is not None:
            report.error(
                draft.next_line or section.line,
                f"decision '{name}' leads on through its options: remove 'Next:'",
            )
        if not draft.question.markdown():
            report.error(
                draft.decision_line or section.line,
                f"decision '{name}' asks no question: write it between 'Decision:' and the options",
            )
        if len(draft.options) < 2:
            report.error(
                draft.decision_line or section.line,
                f"decision '{name}' offers {len(draft.options)} option(s): add options until it "
                "has at least two, each '- CODE: label -> #target'",
            )
    elif draft.outcome is not None:
        kind = "ending"
        if draft.next is not None:
            report.error(
                draft.next_line or section.line,
                f"'{name}' is an ending: remove 'Next:' (or remove 'Ending:')",
            )
        if not draft.body.markdown():
            report.warning(
                draft.outcome_line or section.line,
                f"ending '{name}' has no debrief: tell the learner what happened and why",
            )
    else:
        kind = "narrative"
        if draft.next is None:
            report.error(
                section.line,
                f"narrative node '{name}' has no 'Next: #node-id' line: add one, or make it a "
                "decision ('Decision: <kind>') or an ending ('Ending: good|mixed|poor')",
            )
    node = Node(
        id=name,
        title=section.title,
        kind=kind,
        body=draft.body.markdown(),
        events=tuple(draft.events),
        next=draft.next if kind == "narrative" else None,
        decision=draft.decision,
        question=(draft.question.markdown() or None) if kind == "decision" else None,
        options=tuple(draft.options) if kind == "decision" else (),
        outcome=draft.outcome if kind == "ending" else None,
        line=section.line,
        next_line=draft.next_line if kind == "narrative" else None,
        decision_line=draft.decision_line,
    )
    return node, draft.body.blocks() + draft.question.blocks() + draft.notes
