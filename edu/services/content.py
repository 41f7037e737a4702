"""Parsed and rendered case content, cached per immutable version."""

from __future__ import annotations

from functools import lru_cache

from edu.cases import Case, QuizBank, parse_document, render_markdown
from edu.models import CaseVersion


class BrokenVersion(RuntimeError):
    """A stored version no longer parses (it was saved by an older parser, say)."""


def parsed(version: CaseVersion) -> Case | QuizBank:
    """Return the parsed document of ``version`` (cached: versions never change)."""
    return _parse(version.id, version.content_hash, version.content)


@lru_cache(maxsize=512)
def _parse(version_id: int, content_hash: str, content: str) -> Case | QuizBank:
    result = parse_document(content, f"version {version_id}")
    if result.document is None:
        raise BrokenVersion(f"case version {version_id} does not parse: {result.findings[:1]}")
    return result.document


def html(markdown_text: str | None) -> str:
    """Return sanitised HTML for author Markdown (render_markdown caches by text)."""
    return render_markdown(markdown_text) if markdown_text else ""
