"""Split a file's body into level-2 sections and sort its lines into prose and directives.

Shared by the case parser (:mod:`edu.cases.nodes`) and the quiz parser (:mod:`edu.cases.quiz`):
both read ``## Title {#id}`` sections whose top-level ``Keyword: value`` lines are
directives and whose other lines are Markdown prose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from edu.cases.model import TextBlock
from edu.cases.report import Report

NODE_ID_PATTERN = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
_H2 = re.compile(r"^##(?!#)\s*(.*?)\s*$")
_H1 = re.compile(r"^#(?!#)\s")
_HEADING_ID = re.compile(r"^(.*?)\s*\{\s*#([^}]*?)\s*\}$")
_FENCE = re.compile(r"^ {0,3}(```|~~~)")
LIST_ITEM = re.compile(r"^[-*+]\s+(.*)$")
_FENCE_STARTS = frozenset(" `~")

CASE_DIRECTIVES = ("Decision", "Ending", "Next", "Events")
QUIZ_DIRECTIVES = ("Answer", "Explanation", "Citations", "Pitfalls", "Pitfall")


class Line:
    """One body line: its 1-based number, its text and whether it sits inside a code fence.

    A plain slotted class with its facts computed once: the parser asks every line
    whether it is blank or top-level several times, and a library holds many lines.
    """

    __slots__ = ("number", "text", "fenced", "blank", "top_level")

    def __init__(self, number: int, text: str, fenced: bool = False) -> None:
        self.number = number
        self.text = text
        self.fenced = fenced
        #: True for an empty or whitespace-only line.
        self.blank = not text.strip()
        #: True for a line that starts at column 0 outside a fence (where directives live).
        self.top_level = not fenced and not self.blank and not text[0].isspace()

    def __repr__(self) -> str:
        return f"Line({self.number}, {self.text!r}, fenced={self.fenced})"


@dataclass(frozen=True)
class Section:
    """A ``## Title {#id}`` heading and the lines under it."""

    id: str
    title: str
    line: int
    lines: list[Line]


def split_sections(lines: list[str], body_start: int, report: Report) -> list[Section]:
    """Return the body's sections; record bad headings and stray text before the first one."""
    sections: list[Section] = []
    current: list[Line] | None = None
    in_fence = False
    stray_reported = False
    for index in range(body_start, len(lines)):
        text = lines[index]
        number = index + 1
        # Cheap first-character tests keep the regexes off most lines.
        if text[:1] in _FENCE_STARTS and _FENCE.match(text):
            in_fence = not in_fence
            if current is not None:
                current.append(Line(number, text, fenced=True))
            continue
        heading = None if in_fence or not text.startswith("##") else _H2.match(text)
        if heading:
            section = _read_heading(heading.group(1), number, report)
            current = []
            if section is not None:
                sections.append(Section(section[0], section[1], number, current))
            continue
        if current is not None:
            current.append(Line(number, text, fenced=in_fence))
        elif text.strip() and not _H1.match(text) and not stray_reported:
            stray_reported = True
            report.warning(
                number,
                "text before the first '## Title {#node-id}' heading belongs to no node and "
                "is never shown: move it into a node (a level-1 '# Title' line is fine)",
            )
    return sections


def _read_heading(heading: str, number: int, report: Report) -> tuple[str, str] | None:
    match = _HEADING_ID.match(heading)
    if not match:
        report.error(
            number,
            f"heading '## {heading}' has no id: end it with one, e.g. '## Presentation {{#start}}'",
        )
        return None
    title, node_id = match.group(1).strip(), match.group(2)
    if not NODE_ID_PATTERN.match(node_id):
        report.error(
            number,
            f"id '{node_id}' must be lowercase letters, digits and hyphens, e.g. {{#first-line}}",
        )
        return None
    if not title:
        report.error(number, f"heading of '{node_id}' has no title: write one before the {{#id}}")
    return node_id, title


def directive(line: Line, keywords: tuple[str, ...]) -> tuple[str, str] | None:
    """Return ``(keyword, value)`` for a top-level ``Keyword: value`` line of ``keywords``."""
    if not line.top_level or ":" not in line.text:
        return None
    keyword, _, value = line.text.partition(":")
    if keyword in keywords:
        return keyword, value.strip()
    return None


def check_near_directive(line: Line, keywords: tuple[str, ...], report: Report) -> None:
    """Warn about ``next: #x`` and the like: directives are case-sensitive, so it is prose."""
    if not line.top_level or ":" not in line.text[:14]:
        return  # every keyword is shorter than 14 characters
    keyword = line.text.partition(":")[0]
    for proper in keywords:
        if keyword.strip().lower() == proper.lower() and keyword != proper:
            report.warning(
                line.number,
                f"'{keyword}:' looks like the '{proper}:' directive but is read as text: "
                f"write '{proper}:' exactly, at the start of the line (or reword the sentence)",
            )
            return


class Prose:
    """Collects prose lines; gives the Markdown text and contiguous blocks with their lines."""

    def __init__(self) -> None:
        self.lines: list[Line] = []

    def add(self, line: Line) -> None:
        """Keep one prose line."""
        self.lines.append(line)

    def markdown(self) -> str:
        """Return the collected Markdown without leading or trailing blank lines."""
        return strip_blank("\n".join(line.text for line in self.lines))

    def blocks(self) -> list[TextBlock]:
        """Return runs of consecutive lines as :class:`TextBlock` (for citation/HTML checks)."""
        return text_blocks(self.lines)


def strip_blank(text: str) -> str:
    """Drop leading and trailing blank lines but keep the first line's indentation."""
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(line.rstrip() for line in lines)


def text_blocks(lines: Iterable[Line]) -> list[TextBlock]:
    """Group lines into blocks of consecutive line numbers, skipping blank-only blocks."""
    blocks: list[TextBlock] = []
    run: list[Line] = []

    def flush() -> None:
        if any(not line.blank for line in run):
            blocks.append(TextBlock(run[0].number, "\n".join(line.text for line in run)))
        run.clear()

    for line in lines:
        if run and line.number != run[-1].number + 1:
            flush()
        run.append(line)
    flush()
    return blocks
