"""Find trial citations (``[CLEOPATRA]``) and raw HTML in author prose, with their lines."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from edu.cases.model import TextBlock
from edu.cases.render import sanitiser_changes, too_complex

# A citation is a bracketed trial id, or several separated by commas: [CLEOPATRA, PERUSE].
# Not a link ([text](url)), a reference link ([text][ref]), a definition ([ref]: url) or an
# image (![alt](src)); ids need a capital letter so "[sic]" or "[x]" stay prose.
_CITATION = re.compile(
    r"(?<![!\]\\])\[\s*([A-Za-z0-9][A-Za-z0-9-]+(?:\s*[,;]\s*[A-Za-z0-9][A-Za-z0-9-]+)*)\s*\]"
    r"(?![(\[:])"
)
_SPLIT = re.compile(r"\s*[,;]\s*")


@dataclass(frozen=True)
class Citation:
    """One cited trial id and the file line it appears on."""

    trial: str
    line: int


def find_citations(blocks: Iterable[TextBlock]) -> Iterator[Citation]:
    """Yield every bracketed trial id in ``blocks``, in order."""
    for block in blocks:
        if "[" not in block.text:
            continue
        for number, text in block.numbered_lines():
            for match in _CITATION.finditer(text):
                for part in _SPLIT.split(match.group(1)):
                    if any(char.isupper() for char in part):
                        yield Citation(part, number)


def find_stripped_html(blocks: Iterable[TextBlock]) -> Iterator[tuple[int, list[str]]]:
    """Yield ``(line, removed)`` for each block whose HTML the sanitiser would change.

    The line is that of the first ``<`` (or the block's first line), where the author
    most likely wrote the HTML.
    """
    for block in blocks:
        removed = sanitiser_changes(block.text)
        if removed:
            line = next(
                (number for number, text in block.numbered_lines() if "<" in text), block.line
            )
            yield line, removed


def find_too_complex(blocks: Iterable[TextBlock]) -> Iterator[tuple[int, str]]:
    """Yield ``(line, why)`` for each block too long or dense to render as Markdown."""
    for block in blocks:
        why = too_complex(block.text)
        if why:
            yield block.line, why
