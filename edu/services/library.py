"""The case library: load files into immutable versions, publish only what lints clean."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from edu.cases import Finding, lint_document
from edu.extensions import db
from edu.guideline import GuidelineLibrary
from edu.models import CaseRecord, CaseVersion
from edu.models._time import utcnow

# Folders under the case directory that hold something other than case files.
NOT_CASES = {"guidelines"}


@dataclass
class SyncEntry:
    path: str
    status: str  # added | updated | unchanged | rejected
    slug: str | None = None
    version: int | None = None
    findings: list[Finding] = field(default_factory=list)


class LibraryError(ValueError):
    """A case cannot be saved (its id belongs to another case, say)."""


def content_hash(content: str) -> str:
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def case_files(root: Path) -> Iterator[Path]:
    """Yield the Markdown case and quiz files under ``root``, in a stable order."""
    for path in sorted(root.rglob("*.md")):
        relative = path.relative_to(root)
        if relative.parts[0] in NOT_CASES or path.name.lower() == "readme.md":
            continue
        yield path


def document_meta(document) -> dict:
    """Catalogue facts of a parsed case or quiz bank, stored beside each version."""
    meta = {
        "kind": document.kind,
        "tags": list(document.tags),
        "difficulty": document.difficulty,
        "minutes": document.minutes,
        "authors": list(document.authors),
        "objectives": list(document.objectives),
    }
    if document.kind == "case":
        meta["lines"] = list(document.lines)
        meta["decisions"] = sum(1 for n in document.nodes.values() if n.kind == "decision")
    else:
        meta["items"] = len(document.items)
    return meta


def save_version(
    content: str,
    document,
    *,
    findings: list[Finding],
    publish: bool,
    source: str = "library",
    user_id: int | None = None,
) -> tuple[CaseVersion, bool]:
    """Store ``content`` as the next version of its case; return (version, created).

    An unchanged text returns the latest version and creates nothing. A version is
    published only when asked and when it has no lint error, so a broken save never
    replaces what learners play.
    """
    digest = content_hash(content)
    case = db.session.scalar(select(CaseRecord).where(CaseRecord.slug == document.id))
    if case is None:
        case = CaseRecord(slug=document.id, kind=document.kind, source=source, owner_id=user_id)
        db.session.add(case)
        db.session.flush()
    elif case.kind != document.kind:
        raise LibraryError(f"id {document.id!r} already names a {case.kind}; choose another id")
    latest = db.session.scalar(
        select(CaseVersion)
        .where(CaseVersion.case_id == case.id)
        .order_by(CaseVersion.number.desc())
        .limit(1)
    )
    lint_ok = not any(f.severity == "error" for f in findings)
    if latest is not None and latest.content_hash == digest:
        if lint_ok and not latest.lint_ok:
            # The text is the same but lints clean now (the guideline changed): the lint
            # verdict is derived data, so record it before the version can be published.
            latest.lint_ok = True
            latest.lint_report = [_finding_json(f) for f in findings]
        if publish and lint_ok and case.published_version_id != latest.id:
            _publish(case, latest)
        return latest, False
    number = (latest.number + 1) if latest else 1
    version = CaseVersion(
        case_id=case.id,
        number=number,
        content=content,
        content_hash=digest,
        title=document.title,
        guideline=document.guideline,
        meta=document_meta(document),
        lint_ok=lint_ok,
        lint_report=[_finding_json(f) for f in findings],
        created_by_id=user_id,
    )
    db.session.add(version)
    db.session.flush()
    if publish and lint_ok:
        _publish(case, version)
    return version, True


def _publish(case: CaseRecord, version: CaseVersion) -> None:
    version.published_at = version.published_at or utcnow()
    case.published_version_id = version.id


def _finding_json(finding: Finding) -> dict:
    return {"line": finding.line, "severity": finding.severity, "message": finding.message}


def sync_directory(root: Path, guidelines: GuidelineLibrary) -> list[SyncEntry]:
    """Load every case file under ``root`` into the database; return one entry per file.

    Idempotent: a file whose text has not changed creates nothing. A file with lint errors
    is rejected and the case's published version stays as it was.
    """
    entries = []
    for path in case_files(root):
        shown = str(path.relative_to(root.parent)) if root.parent != path else str(path)
        entries.append(_sync_file(path, shown, guidelines))
    return entries


def _sync_file(path: Path, shown: str, guidelines: GuidelineLibrary) -> SyncEntry:
    raw = path.read_bytes()
    result = lint_document(raw, shown, guidelines)
    if result.document is None or not result.ok:
        return SyncEntry(shown, "rejected", findings=list(result.findings))
    content = raw.decode("utf-8")
    existing = db.session.scalar(select(CaseRecord).where(CaseRecord.slug == result.document.id))
    if existing is not None and existing.source != "library":
        # A file on disk must not silently replace a case an instructor wrote in the editor.
        message = (
            f"id {result.document.id!r} belongs to a case written in the editor; "
            "give the file another id"
        )
        return SyncEntry(shown, "rejected", findings=[Finding(shown, 1, "error", message)])
    try:
        version, created = save_version(
            content, result.document, findings=list(result.findings), publish=True
        )
    except LibraryError as error:
        db.session.rollback()
        return SyncEntry(shown, "rejected", findings=[Finding(shown, 1, "error", str(error))])
    db.session.commit()
    status = "unchanged" if not created else ("updated" if existing else "added")
    return SyncEntry(shown, status, result.document.id, version.number, list(result.findings))
