"""Read a quiz bank's sections into single-best-answer items."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from edu.cases.model import QuizItem, TextBlock
from edu.cases.report import Report
from edu.cases.sections import (
    LIST_ITEM,
    QUIZ_DIRECTIVES,
    Line,
    Prose,
    Section,
    check_near_directive,
    directive,
)

_CHOICE = re.compile(r"^([A-Z])\s*:\s*(.*)$")
_SEPARATORS = re.compile(r"[\s,;]+")
_PITFALL = re.compile(r"^P\d+$")


@dataclass
class _ItemDraft:
    stem: Prose = field(default_factory=Prose)
    explanation: Prose = field(default_factory=Prose)
    choices: list[tuple[str, str, int]] = field(default_factory=list)
    answer: str | None = None
    answer_line: int | None = None
    citations: tuple[str, ...] = ()
    citations_line: int | None = None
    pitfalls: tuple[str, ...] = ()
    pitfalls_line: int | None = None
    phase: str = "stem"  # stem -> choices -> tail (directives) ; "explanation" inside tail


def parse_items(sections: list[Section], report: Report) -> tuple[list[QuizItem], list[TextBlock]]:
    """Return the bank's items in file order and every prose block (for citation checks)."""
    items: list[QuizItem] = []
    texts: list[TextBlock] = []
    first_line: dict[str, int] = {}
    for section in sections:
        if section.id in first_line:
            report.error(
                section.line,
                f"duplicate item id '{section.id}' (first used on line "
                f"{first_line[section.id]}): give each item its own id",
            )
            continue
        first_line[section.id] = section.line
        item, blocks = _parse_item(section, report)
        items.append(item)
        texts.extend(blocks)
    return items, texts


def _parse_item(section: Section, report: Report) -> tuple[QuizItem, list[TextBlock]]:
    draft = _ItemDraft()
    choice_blocks: list[TextBlock] = []
    for line in section.lines:
        found = None if line.fenced else directive(line, QUIZ_DIRECTIVES)
        item = LIST_ITEM.match(line.text) if line.top_level else None
        choice = _CHOICE.match(item.group(1)) if item else None
        if found is not None:
            _apply_directive(draft, section, line, found, report)
        elif choice and draft.phase in ("stem", "choices"):
            draft.phase = "choices"
            draft.choices.append((choice.group(1), choice.group(2).strip(), line.number))
            choice_blocks.append(TextBlock(line.number, choice.group(2)))
        elif draft.phase == "choices" and not line.top_level and draft.choices:
            if not line.blank:  # a wrapped choice: join it to the choice above
                letter, text, number = draft.choices[-1]
                draft.choices[-1] = (letter, f"{text} {line.text.strip()}", number)
                choice_blocks.append(TextBlock(line.number, line.text.strip()))
        elif draft.phase == "explanation":
            draft.explanation.add(line)
        elif draft.phase == "stem":
            check_near_directive(line, QUIZ_DIRECTIVES, report)
            draft.stem.add(line)
        elif not line.blank:
            report.error(
                line.number,
                f"text after the choices of '{section.id}' must sit under 'Answer:', "
                "'Explanation:', 'Citations:' or 'Pitfalls:': move it, or add 'Explanation:'",
            )
            draft.phase = "tail"
    return _finish(draft, section, report), (
        draft.stem.blocks() + choice_blocks + draft.explanation.blocks()
    )


def _apply_directive(
    draft: _ItemDraft, section: Section, line: Line, found: tuple[str, str], report: Report
) -> None:
    keyword, value = found
    if draft.phase == "stem":
        report.error(
            line.number,
            f"'{keyword}:' comes before any choice of '{section.id}': list the choices "
            "('- A: ...') first, then Answer, Explanation, Citations, Pitfalls",
        )
    draft.phase = "tail"
    if keyword == "Answer":
        draft.answer = value.strip().strip(".)").upper() or None
        draft.answer_line = line.number
        if draft.answer is None:
            report.error(
                line.number, "'Answer:' names no choice: write its letter, e.g. 'Answer: B'"
            )
    elif keyword == "Explanation":
        draft.phase = "explanation"
        draft.explanation.add(Line(line.number, value))
    elif keyword == "Citations":
        draft.citations = tuple(
            part.strip("[]") for part in _SEPARATORS.split(value) if part.strip("[]")
        )
        draft.citations_line = line.number
    else:  # Pitfalls (or Pitfall)
        draft.pitfalls = tuple(part for part in _SEPARATORS.split(value) if part)
        draft.pitfalls_line = line.number
        for pitfall in draft.pitfalls:
            if not _PITFALL.match(pitfall):
                report.error(
                    line.number,
                    f"pitfall '{pitfall}' must be written as a pitfall id like P10",
                )


def _finish(draft: _ItemDraft, section: Section, report: Report) -> QuizItem:
    letters: dict[str, int] = {}
    for letter, text, number in draft.choices:
        if letter in letters:
            report.error(
                number,
                f"choice {letter} appears twice in '{section.id}' (first on line "
                f"{letters[letter]}): letter the choices A, B, C, ...",
            )
        letters.setdefault(letter, number)
        if not text:
            report.error(number, f"choice {letter} of '{section.id}' has no text")
    if not draft.stem.markdown():
        report.error(section.line, f"item '{section.id}' has no stem: write the question")
    if len(letters) < 2:
        report.error(
            section.line,
            f"item '{section.id}' has {len(letters)} choice(s): a single-best-answer item "
            "needs at least two: add them as '- A: ...', '- B: ...'",
        )
    if draft.answer_line is None:
        report.error(
            section.line,
            f"item '{section.id}' has no 'Answer: <letter>' line: add the key",
        )
    elif draft.answer is not None and draft.answer not in letters:
        report.error(
            draft.answer_line,
            f"the key '{draft.answer}' is not one of the choices of '{section.id}' "
            f"({', '.join(letters) or 'none'}): key one of them",
        )
    if not draft.explanation.markdown():
        report.error(
            section.line,
            f"item '{section.id}' has no 'Explanation:': say why the key is right "
            "and the others are not",
        )
    return QuizItem(
        id=section.id,
        title=section.title,
        stem=draft.stem.markdown(),
        choices=tuple((letter, text) for letter, text, _ in draft.choices),
        answer=draft.answer,
        explanation=draft.explanation.markdown(),
        citations=draft.citations,
        pitfalls=draft.pitfalls,
        line=section.line,
        answer_line=draft.answer_line,
        citations_line=draft.citations_line,
        pitfalls_line=draft.pitfalls_line,
    )
