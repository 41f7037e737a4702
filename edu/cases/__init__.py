"""Case and quiz-bank files: parse, lint, render, and the patient state along a path.

Domain code: no Flask, no database. The format is documented for instructors in
``docs/case-format.md``; the public API is summarised in ``docs/architecture.md`` §2.
"""

from edu.cases.lint import find_case_files, lint_document, lint_files, lint_paths
from edu.cases.model import (
    MAX_FILE_BYTES,
    Case,
    Document,
    Event,
    Finding,
    LintResult,
    Node,
    Option,
    ParseResult,
    QuizBank,
    QuizItem,
    SourceLocation,
    TextBlock,
)
from edu.cases.parse import parse_document
from edu.cases.render import render_markdown
from edu.cases.state import (
    DISPLAY_KEYS,
    InvalidPath,
    PatientState,
    initial_state,
    state_on_path,
)

__all__ = [
    "DISPLAY_KEYS",
    "MAX_FILE_BYTES",
    "Case",
    "Document",
    "Event",
    "Finding",
    "InvalidPath",
    "LintResult",
    "Node",
    "Option",
    "ParseResult",
    "PatientState",
    "QuizBank",
    "QuizItem",
    "SourceLocation",
    "TextBlock",
    "find_case_files",
    "initial_state",
    "lint_document",
    "lint_files",
    "lint_paths",
    "parse_document",
    "render_markdown",
    "state_on_path",
]
