"""Authoring: draft, lint, publish, upload and roll back cases written in the editor.

Every save appends a new immutable :class:`CaseVersion`; nothing here ever edits a version's
text. "Draft" means the newest version when it is not the published one. A version reaches
learners only when it lints clean, so a broken save or upload never replaces what they play.

Roll back is "restore": the old text is saved again as a *new* version and published (when
it still lints clean under today's guideline). History only grows, the editor always opens
the newest version, and attempts keep pointing at whichever version they were played on.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import or_, select

from edu.cases import MAX_FILE_BYTES, Finding, LintResult, lint_document, render_markdown
from edu.extensions import db
from edu.models import CaseAuthor, CaseRecord, CaseVersion, Role, User
from edu.models._time import utcnow
from edu.services.guidelines import current_library
from edu.services.library import LibraryError, content_hash, save_version

#: The path shown in lint messages for text typed in the editor.
EDITOR_PATH = "editor.md"


class AuthoringError(ValueError):
    """An authoring action was refused; the message says what to do instead."""


class PublishRefused(AuthoringError):
    """A version cannot be published: it has lint errors (``findings`` lists them)."""

    def __init__(self, message: str, findings: list[Finding] | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []


# --------------------------------------------------------------------------- permissions


def is_coauthor(user: User, case: CaseRecord) -> bool:
    """Return True when ``user`` is listed as a co-author of ``case``."""
    return db.session.get(CaseAuthor, {"case_id": case.id, "user_id": user.id}) is not None


def can_edit(user: User | None, case: CaseRecord) -> bool:
    """Return True when ``user`` may edit ``case``: its owner, a co-author, or an admin.

    Residents never edit, even if once listed as co-author (a demoted account keeps no
    authoring rights).
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.INSTRUCTOR:
        return False
    return case.owner_id == user.id or is_coauthor(user, case)


def editable_cases(user: User) -> list[CaseRecord]:
    """Return the cases ``user`` may edit, newest first (admins: every case)."""
    query = select(CaseRecord).order_by(CaseRecord.created_at.desc(), CaseRecord.id.desc())
    if user.role != Role.ADMIN:
        coauthored = select(CaseAuthor.case_id).where(CaseAuthor.user_id == user.id)
        query = query.where(or_(CaseRecord.owner_id == user.id, CaseRecord.id.in_(coauthored)))
    return list(db.session.scalars(query))


def coauthors(case: CaseRecord) -> list[User]:
    """Return the co-authors of ``case`` (not the owner), by name."""
    query = (
        select(User)
        .join(CaseAuthor, CaseAuthor.user_id == User.id)
        .where(CaseAuthor.case_id == case.id)
        .order_by(User.name)
    )
    return list(db.session.scalars(query))


def add_coauthor(case: CaseRecord, email: str) -> User:
    """Add the instructor or admin with ``email`` as a co-author; return them.

    :raises AuthoringError: no such account, a resident, or already the owner.
    """
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise AuthoringError(f"No account with the email {email.strip()!r}.")
    if not user.is_instructor:
        raise AuthoringError(f"{user.name} is a resident; only instructors can co-author.")
    if user.id == case.owner_id:
        raise AuthoringError(f"{user.name} owns this case already.")
    if not is_coauthor(user, case):
        db.session.add(CaseAuthor(case_id=case.id, user_id=user.id))
        db.session.commit()
    return user


def remove_coauthor(case: CaseRecord, user_id: int) -> None:
    """Remove a co-author (nothing happens if they were not one)."""
    link = db.session.get(CaseAuthor, {"case_id": case.id, "user_id": user_id})
    if link is not None:
        db.session.delete(link)
        db.session.commit()


# --------------------------------------------------------------------------- versions


def latest_version(case: CaseRecord) -> CaseVersion | None:
    """Return the newest version of ``case`` (the one the editor opens)."""
    return db.session.scalar(
        select(CaseVersion)
        .where(CaseVersion.case_id == case.id)
        .order_by(CaseVersion.number.desc())
        .limit(1)
    )


def get_version(case: CaseRecord, number: int) -> CaseVersion | None:
    """Return version ``number`` of ``case``, or None."""
    return db.session.scalar(
        select(CaseVersion).where(CaseVersion.case_id == case.id, CaseVersion.number == number)
    )


def has_draft(case: CaseRecord) -> bool:
    """True when the newest version is not the published one (unpublished changes)."""
    latest = latest_version(case)
    return latest is not None and latest.id != case.published_version_id


def version_status(case: CaseRecord, version: CaseVersion) -> str:
    """Return ``published``, ``draft`` (newer than the published one) or ``earlier``."""
    if version.id == case.published_version_id:
        return "published"
    published = case.published_version
    if published is None or version.number > published.number:
        return "draft"
    return "earlier"


# --------------------------------------------------------------------------- lint + preview


def lint_text(text: str, path: str = EDITOR_PATH) -> LintResult:
    """Return the lint result of ``text`` under the current guideline library."""
    return lint_document(text, path, current_library())


@dataclass
class PreviewNode:
    """One node as a learner would see it, for the editor's preview pane."""

    id: str
    title: str
    kind: str
    line: int
    end_line: int
    body_html: str
    question_html: str | None = None
    options: list[tuple[str, str, str]] = field(default_factory=list)  # (code, label, target)
    outcome: str | None = None


@dataclass
class Preview:
    """The editor's check result: findings (sorted by line) and the rendered nodes."""

    findings: list[Finding]
    nodes: list[PreviewNode]
    title: str | None
    kind: str | None
    slug: str | None

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity != "error" for f in self.findings)

    def to_json(self) -> dict:
        """Return the preview as JSON for the editor's live update."""
        return {
            "ok": self.ok,
            "errors": self.errors,
            "warnings": self.warnings,
            "title": self.title,
            "findings": [
                {"line": f.line, "severity": f.severity, "message": f.message}
                for f in self.findings
            ],
            "nodes": [
                {
                    "id": n.id,
                    "title": n.title,
                    "kind": n.kind,
                    "line": n.line,
                    "end_line": n.end_line,
                    "body_html": n.body_html,
                    "question_html": n.question_html,
                    "options": [
                        {"code": c, "label": label, "target": t} for c, label, t in n.options
                    ],
                    "outcome": n.outcome,
                }
                for n in self.nodes
            ],
        }


def preview_text(text: str) -> Preview:
    """Lint ``text`` and render each node's Markdown (sanitised) for the preview pane."""
    result = lint_text(text)
    findings = sorted(result.findings, key=lambda f: (f.line, f.severity != "error"))
    document = result.document
    nodes: list[PreviewNode] = []
    if document is not None and document.kind == "case":
        ordered = list(document.nodes.values())
        total_lines = text.count("\n") + 1
        for index, node in enumerate(ordered):
            end = ordered[index + 1].line - 1 if index + 1 < len(ordered) else total_lines
            nodes.append(
                PreviewNode(
                    id=node.id,
                    title=node.title,
                    kind=node.kind,
                    line=node.line,
                    end_line=end,
                    body_html=render_markdown(node.body or ""),
                    question_html=render_markdown(node.question) if node.question else None,
                    options=[(o.code, o.label, o.target) for o in node.options],
                    outcome=node.outcome,
                )
            )
    elif document is not None:
        items = list(document.items)
        total_lines = text.count("\n") + 1
        for index, item in enumerate(items):
            end = items[index + 1].line - 1 if index + 1 < len(items) else total_lines
            nodes.append(
                PreviewNode(
                    id=item.id,
                    title=item.title,
                    kind="quiz item",
                    line=item.line,
                    end_line=end,
                    body_html=render_markdown(item.stem or ""),
                    options=[(letter, choice, "") for letter, choice in item.choices],
                )
            )
    return Preview(
        findings=findings,
        nodes=nodes,
        title=getattr(document, "title", None),
        kind=getattr(document, "kind", None),
        slug=getattr(document, "id", None),
    )


# --------------------------------------------------------------------------- saving


@dataclass
class SaveResult:
    """What a save did: the version (new, or the unchanged latest) and its findings."""

    case: CaseRecord
    version: CaseVersion
    created: bool
    findings: list[Finding]
    published: bool = False

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)


def create_case(text: str, user: User, *, publish: bool = False) -> SaveResult:
    """Create a new authored case from ``text`` (owned by ``user``) as version 1.

    :raises AuthoringError: the text has no readable front matter/id, or the id is taken.
    """
    result = lint_text(text)
    document = result.document
    if document is None:
        raise AuthoringError(_first_error(result.findings, "The text has no case id."))
    if db.session.scalar(select(CaseRecord.id).where(CaseRecord.slug == document.id)):
        raise AuthoringError(
            f"The id {document.id!r} is already used by another case: choose another id."
        )
    version, created = save_version(
        text,
        document,
        findings=list(result.findings),
        publish=publish,
        source="authored",
        user_id=user.id,
    )
    db.session.commit()
    return SaveResult(version.case, version, created, list(result.findings), _is_published(version))


def save_draft(case: CaseRecord, text: str, user: User) -> SaveResult:
    """Save ``text`` as the next version of ``case`` (unpublished), even with lint errors.

    The published version does not move. Saving text equal to the newest version creates
    nothing (``created`` is False). A text whose front matter cannot be read, or whose
    ``id`` names another case, is still kept, with an error that blocks publishing.
    """
    text = _normalise(text)
    result = lint_text(text)
    findings = list(result.findings)
    document = result.document
    if document is not None and document.id != case.slug:
        line = document.line_of("id") if hasattr(document, "line_of") else 1
        findings.append(
            Finding(
                EDITOR_PATH,
                line,
                "error",
                f"the id must stay {case.slug!r}: a case's id cannot change "
                "(to start another case, use New case)",
            )
        )
        document = None
    if document is not None and document.kind != case.kind:
        findings.append(
            Finding(EDITOR_PATH, 1, "error", f"this is a {case.kind}; its kind cannot change")
        )
        document = None
    if document is not None:
        version, created = save_version(
            text, document, findings=findings, publish=False, user_id=user.id
        )
    else:
        version, created = _save_unreadable(case, text, findings, user)
    db.session.commit()
    return SaveResult(case, version, created, findings, _is_published(version))


def _save_unreadable(
    case: CaseRecord, text: str, findings: list[Finding], user: User
) -> tuple[CaseVersion, bool]:
    """Keep a draft the parser cannot turn into a case, so an author never loses work."""
    latest = latest_version(case)
    digest = content_hash(text)
    if latest is not None and latest.content_hash == digest:
        return latest, False
    version = CaseVersion(
        case_id=case.id,
        number=(latest.number + 1) if latest else 1,
        content=text,
        content_hash=digest,
        title=latest.title if latest else case.slug,
        guideline=latest.guideline if latest else "",
        meta=dict(latest.meta) if latest else {},
        lint_ok=False,
        lint_report=[
            {"line": f.line, "severity": f.severity, "message": f.message} for f in findings
        ],
        created_by_id=user.id,
    )
    db.session.add(version)
    db.session.flush()
    return version, True


def publish(case: CaseRecord, version: CaseVersion) -> CaseVersion:
    """Make ``version`` the one learners play.

    The text is linted again under today's guideline: a version saved clean can have aged
    (a rules update may have made one of its codes unknown).

    :raises PublishRefused: the version has lint errors, then or now.
    """
    if version.case_id != case.id:
        raise AuthoringError("That version belongs to another case.")
    if not version.lint_ok:
        raise PublishRefused(
            f"Version {version.number} has lint errors: fix them and save before publishing."
        )
    result = lint_text(version.content)
    if not result.ok:
        raise PublishRefused(
            f"Version {version.number} no longer lints clean under the current guideline.",
            list(result.errors),
        )
    version.published_at = version.published_at or utcnow()
    case.published_version_id = version.id
    db.session.commit()
    return version


def rollback(case: CaseRecord, version: CaseVersion, user: User) -> SaveResult:
    """Restore ``version``'s text as a new, published version (see the module docstring).

    If the newest version already has that text it is simply published.

    :raises PublishRefused: the old text does not lint clean under today's guideline.
    """
    if version.case_id != case.id:
        raise AuthoringError("That version belongs to another case.")
    result = lint_text(version.content)
    if result.document is None or not result.ok:
        raise PublishRefused(
            f"Version {version.number} does not lint clean under the current guideline, "
            "so it cannot be published again.",
            list(result.errors),
        )
    restored, created = save_version(
        version.content,
        result.document,
        findings=list(result.findings),
        publish=True,
        user_id=user.id,
    )
    if created:
        restored.meta = {**restored.meta, "restored_from": version.number}
    db.session.commit()
    return SaveResult(case, restored, created, list(result.findings), True)


def _is_published(version: CaseVersion) -> bool:
    return version.case.published_version_id == version.id


def _first_error(findings: Iterable[Finding], default: str) -> str:
    for finding in findings:
        if finding.severity == "error":
            return f"Line {finding.line}: {finding.message}"
    return default


def _normalise(text: str) -> str:
    # Browsers send CRLF from a textarea; files on disk use LF. Normalising keeps the hash
    # (and so "nothing changed") independent of where the text came from.
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --------------------------------------------------------------------------- upload


@dataclass
class UploadEntry:
    """One uploaded file's outcome, shown as one line of the upload report."""

    filename: str
    status: str  # added | updated | unchanged | draft | rejected
    slug: str | None = None
    version: int | None = None
    published: bool = False
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]


def upload_files(
    files: Iterable[tuple[str, bytes]], user: User, *, publish_clean: bool = True
) -> list[UploadEntry]:
    """Save each uploaded ``(filename, bytes)`` as a new version of the case it names.

    A new id creates a case owned by ``user``; an existing id must be a case ``user`` may
    edit. Each file is linted: a clean one is published when ``publish_clean``; one with
    errors is kept as a draft and the published version stays live. A file that is not
    Markdown, too large, not UTF-8 or without a readable id is rejected and stores nothing.
    """
    return [_upload_one(name, data, user, publish_clean) for name, data in files]


def _upload_one(filename: str, data: bytes, user: User, publish_clean: bool) -> UploadEntry:
    shown = filename or "unnamed"
    if not shown.lower().endswith(".md"):
        return _rejected(shown, "only Markdown files (.md) can be uploaded")
    if len(data) > MAX_FILE_BYTES:
        return _rejected(shown, f"the file is larger than {MAX_FILE_BYTES // 1024} KiB")
    try:
        text = _normalise(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return _rejected(shown, "the file is not UTF-8 text")
    result = lint_document(text, shown, current_library())
    document = result.document
    findings = list(result.findings)
    if document is None:
        return UploadEntry(shown, "rejected", findings=findings)
    case = db.session.scalar(select(CaseRecord).where(CaseRecord.slug == document.id))
    if case is not None and not can_edit(user, case):
        return _rejected(
            shown, f"the id {document.id!r} belongs to a case you cannot edit", document.id
        )
    try:
        version, created = save_version(
            text,
            document,
            findings=findings,
            publish=publish_clean and result.ok,
            source="authored",
            user_id=user.id,
        )
    except LibraryError as error:
        db.session.rollback()
        return _rejected(shown, str(error), document.id)
    db.session.commit()
    published = version.case.published_version_id == version.id
    if not created:
        status = "unchanged"
    elif not result.ok or not published:
        status = "draft"
    else:
        status = "updated" if version.number > 1 else "added"
    return UploadEntry(shown, status, document.id, version.number, published, findings)


def _rejected(filename: str, message: str, slug: str | None = None) -> UploadEntry:
    return UploadEntry(
        filename, "rejected", slug, findings=[Finding(filename, 1, "error", message)]
    )


# --------------------------------------------------------------------------- diff


@dataclass(frozen=True)
class DiffLine:
    """One line of a unified diff; ``kind`` is header, hunk, added, removed or context."""

    kind: str
    text: str
    old_line: int | None = None
    new_line: int | None = None


def diff_versions(old: CaseVersion, new: CaseVersion, context: int = 3) -> list[DiffLine]:
    """Return the unified diff from ``old`` to ``new`` as typed lines.

    Lines are plain text: templates escape them, so Markdown or HTML in a case is shown as
    written and never interpreted.
    """
    before = old.content.splitlines()
    after = new.content.splitlines()
    lines: list[DiffLine] = []
    old_no = new_no = 0
    raw_lines = difflib.unified_diff(
        before,
        after,
        fromfile=f"version {old.number}",
        tofile=f"version {new.number}",
        n=context,
        lineterm="",
    )
    for index, raw in enumerate(raw_lines):
        if index < 2:  # the "--- version 1" / "+++ version 2" file headers
            lines.append(DiffLine("header", raw))
        elif raw.startswith("@@"):
            old_no, new_no = _hunk_starts(raw)
            lines.append(DiffLine("hunk", raw))
        elif raw.startswith("+"):
            lines.append(DiffLine("added", raw[1:], None, new_no))
            new_no += 1
        elif raw.startswith("-"):
            lines.append(DiffLine("removed", raw[1:], old_no, None))
            old_no += 1
        else:
            lines.append(DiffLine("context", raw[1:], old_no, new_no))
            old_no += 1
            new_no += 1
    return lines


def _hunk_starts(header: str) -> tuple[int, int]:
    # "@@ -12,5 +12,7 @@": the first line number of each side.
    parts = header.split()
    old = int(parts[1][1:].split(",")[0])
    new = int(parts[2][1:].split(",")[0])
    return old, new


def new_case_template(user: User) -> str:
    """Return the starter text of a new case: a minimal case that lints clean."""
    handle = (user.email.split("@")[0] or "author").lower()
    handle = "".join(ch if ch.isalnum() else "-" for ch in handle).strip("-") or "author"
    return STARTER.replace("{author}", handle)


STARTER = """---
id: my-new-case
title: A new case
authors: [{author}]
tags: [first-line]
difficulty: core
minutes: 10
lines: [1]
guideline: her2-mbc
objectives:
  - Choose a first-line regimen and say why.
patient:
  name: A. Patient
  age: 50
  hr_status: negative
  menopausal_status: post
  lvef_percent: 60
---

## Presentation {#start}

Describe the patient and the findings here.

Next: #first-line

## First-line treatment {#first-line}

Decision: metastatic_line

Which first-line regimen do you recommend?

- THP_DOCETAXEL: Pertuzumab + trastuzumab + docetaxel -> #end
- TH_TAXANE: Trastuzumab + paclitaxel -> #end

## Debrief {#end}

Ending: good

Summarise what the learner should take away.
"""


__all__ = [
    "AuthoringError",
    "DiffLine",
    "Preview",
    "PublishRefused",
    "SaveResult",
    "UploadEntry",
    "add_coauthor",
    "can_edit",
    "coauthors",
    "create_case",
    "diff_versions",
    "editable_cases",
    "get_version",
    "has_draft",
    "latest_version",
    "lint_text",
    "new_case_template",
    "preview_text",
    "publish",
    "remove_coauthor",
    "rollback",
    "save_draft",
    "upload_files",
    "version_status",
]
