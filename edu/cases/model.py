"""The parsed shape of case and quiz-bank files: plain, frozen values.

Everything here is built by :mod:`edu.cases.parse` and read by the linter, the renderer, the
patient-state walk and the services. Every object that came from the file keeps the 1-based
line it started on in the original file, so any later complaint can point an author at it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]
NodeKind = Literal["narrative", "decision", "ending"]

#: Files above this size are refused outright: a case is a few pages of prose, and a limit
#: keeps the parser's time and memory bounded whatever is uploaded.
MAX_FILE_BYTES = 256 * 1024

#: How a case may end; the debrief says why.
OUTCOMES = ("good", "mixed", "poor")
DIFFICULTIES = ("intro", "core", "advanced")


@dataclass(frozen=True)
class SourceLocation:
    """A place in a file: the path as given and a 1-based line."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, order=True)
class Finding:
    """One lint or parse complaint. Ordered by file, then line, so reports read top-down."""

    path: str
    line: int
    severity: Severity
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"

    @property
    def is_error(self) -> bool:
        """True for an error (blocks publishing), False for a warning."""
        return self.severity == "error"

    def to_json(self) -> dict[str, object]:
        """Return the finding as a JSON-ready dict (stored with a case version)."""
        return {
            "path": self.path,
            "line": self.line,
            "severity": self.severity,
            "message": self.message,
        }


@dataclass(frozen=True)
class TextBlock:
    """A run of author Markdown and the line its first line sits on in the original file.

    The linter scans these for citations and raw HTML; the text keeps one line per original
    line so a match's line is ``block.line`` plus the newlines before it.
    """

    line: int
    text: str

    def numbered_lines(self) -> Iterator[tuple[int, str]]:
        """Yield ``(line_number, line_text)`` for each line of the block."""
        for offset, text in enumerate(self.text.split("\n")):
            yield self.line + offset, text


@dataclass(frozen=True)
class Option:
    """One answer a learner may pick at a decision: a contract code and where it leads."""

    code: str
    label: str
    target: str
    note: str | None
    line: int


@dataclass(frozen=True)
class Event:
    """A change to the patient applied when the learner enters the node that lists it.

    ``attribute`` is a contract patient attribute or one of the pseudo-attributes
    ``progressed_on``, ``months_elapsed`` and ``line_note`` (see ``docs/case-format.md``).
    """

    attribute: str
    value: object
    line: int


@dataclass(frozen=True)
class Node:
    """One level-2 section of a case: narrative, decision or ending."""

    id: str
    title: str
    kind: NodeKind
    body: str
    events: tuple[Event, ...]
    next: str | None
    decision: str | None
    question: str | None
    options: tuple[Option, ...]
    outcome: str | None
    line: int
    next_line: int | None = None
    decision_line: int | None = None

    def targets(self) -> tuple[str, ...]:
        """Return the ids this node leads to, in file order (``Next:`` or option targets)."""
        if self.next is not None:
            return (self.next,)
        return tuple(option.target for option in self.options)

    def option(self, code: str) -> Option | None:
        """Return the option with ``code``, or None when the decision does not offer it."""
        for option in self.options:
            if option.code == code:
                return option
        return None


class _FrontMatterLines:
    """``line_of`` for documents that keep their front-matter key lines in ``locations``."""

    locations: Mapping[str, int]

    def line_of(self, key: str, default: int = 1) -> int:
        """Return the line of a front-matter key (``"patient.age"``), or ``default``."""
        return self.locations.get(key, default)


@dataclass(frozen=True)
class Case(_FrontMatterLines):
    """A parsed case file. ``nodes`` keeps file order; ``start`` is the first node's id.

    ``patient`` is the front-matter mapping as written (display facts and engine attributes
    together); :func:`edu.cases.state.initial_state` separates them. ``locations`` maps a
    front-matter key (``"guideline"``, ``"patient.hr_status"``) to its line.
    """

    id: str
    title: str
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    difficulty: str
    minutes: int | None
    lines: tuple[int, ...]
    guideline: str
    objectives: tuple[str, ...]
    patient: Mapping[str, object]
    nodes: Mapping[str, Node]
    start: str
    path: str
    content_hash: str
    texts: tuple[TextBlock, ...] = ()
    locations: Mapping[str, int] = field(default_factory=dict)
    kind: Literal["case"] = "case"

    def decisions(self) -> Iterator[Node]:
        """Yield the decision nodes in file order."""
        return (node for node in self.nodes.values() if node.kind == "decision")


@dataclass(frozen=True)
class QuizItem:
    """One single-best-answer question of a quiz bank."""

    id: str
    title: str
    stem: str
    choices: tuple[tuple[str, str], ...]
    answer: str | None
    explanation: str
    citations: tuple[str, ...]
    pitfalls: tuple[str, ...]
    line: int
    answer_line: int | None = None
    citations_line: int | None = None
    pitfalls_line: int | None = None

    def choice(self, letter: str) -> str | None:
        """Return the text of choice ``letter``, or None when there is no such choice."""
        for key, text in self.choices:
            if key == letter:
                return text
        return None


@dataclass(frozen=True)
class QuizBank(_FrontMatterLines):
    """A parsed quiz-bank file (``kind: quiz`` in its front matter)."""

    id: str
    title: str
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    difficulty: str
    minutes: int | None
    guideline: str
    objectives: tuple[str, ...]
    items: tuple[QuizItem, ...]
    path: str
    content_hash: str
    texts: tuple[TextBlock, ...] = ()
    locations: Mapping[str, int] = field(default_factory=dict)
    kind: Literal["quiz"] = "quiz"


Document = Case | QuizBank


@dataclass(frozen=True)
class ParseResult:
    """What :func:`edu.cases.parse.parse_document` found: a document (or None) and findings."""

    document: Document | None
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        """True when parsing produced no error (warnings allowed)."""
        return not any(finding.is_error for finding in self.findings)


@dataclass(frozen=True)
class LintResult(ParseResult):
    """What :func:`edu.cases.lint.lint_document` found; ``ok`` means it may be published."""

    @property
    def errors(self) -> list[Finding]:
        """The error findings only."""
        return [finding for finding in self.findings if finding.is_error]

    @property
    def warnings(self) -> list[Finding]:
        """The warning findings only."""
        return [finding for finding in self.findings if not finding.is_error]
