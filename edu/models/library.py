"""The case library: cases and quiz banks, each with immutable versions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from edu.extensions import db
from edu.models._time import utcnow


class CaseRecord(db.Model):
    """A case or quiz bank, identified by the stable ``id`` in its front matter (``slug``)."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # "case" | "quiz"
    # "library" files come from cases/ on disk; "authored" ones were written in the editor.
    source: Mapped[str] = mapped_column(String(10), default="library")
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    # The version learners get. Never moved to a version whose lint failed.
    published_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_versions.id", use_alter=True), default=None
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    versions: Mapped[list[CaseVersion]] = relationship(
        back_populates="case",
        foreign_keys="CaseVersion.case_id",
        order_by="CaseVersion.number",
    )
    published_version: Mapped[CaseVersion | None] = relationship(
        foreign_keys=[published_version_id], post_update=True
    )
    owner = relationship("User", foreign_keys=[owner_id])


class CaseVersion(db.Model):
    """One immutable saved text of a case. Attempts point at the version they were played on."""

    __tablename__ = "case_versions"
    __table_args__ = (UniqueConstraint("case_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    number: Mapped[int]
    content: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    guideline: Mapped[str] = mapped_column(String(60), default="")
    # Catalogue facts copied from the front matter so listing needs no parsing.
    meta: Mapped[dict] = mapped_column(db.JSON, default=dict)
    lint_ok: Mapped[bool] = mapped_column(default=False)
    lint_report: Mapped[list] = mapped_column(db.JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(default=None)

    case: Mapped[CaseRecord] = relationship(back_populates="versions", foreign_keys=[case_id])


class CaseAuthor(db.Model):
    """A co-author: may edit the case like its owner."""

    __tablename__ = "case_authors"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
