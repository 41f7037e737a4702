"""Parsed and rendered case content, cached per immutable version."""

from __future__ import annotations

from sqlalchemy import select

from edu.cases import Case, QuizBank, parse_document, render_markdown
from edu.extensions import db
from edu.models import CaseVersion
from edu.services.memo import BoundedCache

# Parsed documents by (version id, content hash). A stored version never changes, but ids
# can be reused (tests empty the tables and restart identities), so the hash is part of
# the key: a reused id with other content is a miss, never a stale hit.
_DOCUMENTS: BoundedCache[Case | QuizBank] = BoundedCache(512)


class BrokenVersion(RuntimeError):
    """A stored version no longer parses (it was saved by an older parser, say)."""


def parsed(version: CaseVersion) -> Case | QuizBank:
    """Return the parsed document of ``version`` (cached: versions never change)."""
    key = (version.id, version.content_hash)
    document = _DOCUMENTS.get(key)
    if document is None:
        document = _DOCUMENTS.put(key, _parse(version.id, version.content))
    return document


def parsed_by_id(version_id: int, content_hash: str | None = None) -> Case | QuizBank:
    """Return the parsed document of the version with id ``version_id``.

    Reads only the version's content hash when its document is cached (nothing at all when
    the caller already has the hash, as ``play.get_attempt`` loads it with the attempt),
    and its Markdown text only on a miss. A version already loaded in the session is used
    as it is.

    :raises LookupError: no version has that id.
    """
    if db.session.registry.has():  # else this request has no session, nothing loaded
        key = db.session.identity_key(CaseVersion, version_id)
        loaded = db.session.identity_map.get(key)
        if loaded is not None and "content_hash" in loaded.__dict__:
            return parsed(loaded)  # loaded and not expired: no query at all
    # Core selects on the session's connection (same transaction, no ORM row machinery).
    if content_hash is None:
        content_hash = db.session.connection().scalar(
            select(CaseVersion.content_hash).where(CaseVersion.id == version_id)
        )
        if content_hash is None:
            raise LookupError(f"case version {version_id} not found")
    document = _DOCUMENTS.get((version_id, content_hash))
    if document is None:
        row = db.session.connection().execute(
            select(CaseVersion.content_hash, CaseVersion.content).where(
                CaseVersion.id == version_id
            )
        ).first()
        if row is None:
            raise LookupError(f"case version {version_id} not found")
        document = _DOCUMENTS.put((version_id, row.content_hash), _parse(version_id, row.content))
    return document


def clear_cache() -> None:
    """Forget every parsed document (tests use it)."""
    _DOCUMENTS.clear()


def _parse(version_id: int, content: str) -> Case | QuizBank:
    result = parse_document(content, f"version {version_id}")
    if result.document is None:
        raise BrokenVersion(f"case version {version_id} does not parse: {result.findings[:1]}")
    return result.document


def html(markdown_text: str | None) -> str:
    """Return sanitised HTML for author Markdown (render_markdown caches by text)."""
    return render_markdown(markdown_text) if markdown_text else ""
