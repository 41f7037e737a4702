"""Attempts at cases and quiz banks, and the choices scored within them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, select
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from edu.extensions import db
from edu.models._time import utcnow
from edu.models.courses import Course
from edu.models.library import CaseRecord, CaseVersion


class Attempt(db.Model):
    __tablename__ = "attempts"
    __table_args__ = (
        # Also serves every "user_id = ?" (a learner's attempts, the foreign key's checks),
        # so user_id has no index of its own (migration 0005).
        Index("ix_attempts_user_case", "user_id", "case_id"),
        # Covers the standings fingerprint (edu.services.gradebook._standings_fingerprint),
        # run on every leaderboard view: an index-only scan of the course's completed,
        # non-preview attempts (migration 0003 says why this column order). Its course_id
        # prefix also serves every "course_id = ?" (standings, exports, analytics), so
        # course_id has no index of its own.
        Index(
            "ix_attempts_course_standing",
            "course_id",
            "status",
            "preview",
            "id",
            "lock_version",
            "completed_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    case_version_id: Mapped[int] = mapped_column(ForeignKey("case_versions.id"))
    # Indexed by ix_attempts_course_standing (course_id first), see __table_args__.
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), default=None)
    kind: Mapped[str] = mapped_column(String(10))  # "case" | "quiz"
    mode: Mapped[str] = mapped_column(String(10), default="practice")  # quiz: practice | timed
    guideline_version: Mapped[str] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(12), default="in_progress")
    # A preview by an author records nothing that counts: no leaderboard, no analytics.
    preview: Mapped[bool] = mapped_column(default=False)
    # The learner's path: [[node_id, chosen_code_or_null], ...]; its length is the step.
    path: Mapped[list] = mapped_column(db.JSON, default=list)
    current_node: Mapped[str] = mapped_column(String(100))
    points: Mapped[float] = mapped_column(default=0)
    max_points: Mapped[float] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    deadline_at: Mapped[datetime | None] = mapped_column(default=None)
    # Optimistic lock: two requests that both read the same attempt cannot both move it on;
    # the second UPDATE matches no row and SQLAlchemy raises StaleDataError.
    lock_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": lock_version}

    # Read-only facts of the case played, for the play pages. Deferred: loaded only when
    # asked for, and then in the same SELECT as the attempt (``play.get_attempt`` undefers
    # them), which spares each page a query of its own. An attempt's case and version never
    # change, so a flush of the attempt need not expire them.
    version_hash: Mapped[str] = deferred(
        select(CaseVersion.content_hash).where(CaseVersion.id == case_version_id).scalar_subquery(),
        expire_on_flush=False,
    )
    case_slug: Mapped[str] = deferred(
        select(CaseRecord.slug).where(CaseRecord.id == case_id).scalar_subquery(),
        expire_on_flush=False,
    )
    # The points scheme of the attempt's course (None without a course, or for the
    # default scheme), read with the attempt when a decision is scored.
    course_points_scheme: Mapped[dict | None] = deferred(
        select(Course.points_scheme).where(Course.id == course_id).scalar_subquery(),
        expire_on_flush=False,
    )

    choices: Mapped[list[Choice]] = relationship(
        back_populates="attempt", order_by="Choice.step", cascade="all, delete-orphan"
    )


class Choice(db.Model):
    """One scored answer. The unique (attempt, step) pair is what makes a replayed,
    doubled or concurrent submission impossible to store twice: the database refuses it."""

    __tablename__ = "choices"
    __table_args__ = (UniqueConstraint("attempt_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"))
    step: Mapped[int]
    node_id: Mapped[str] = mapped_column(String(100))
    decision: Mapped[str] = mapped_column(String(40))  # decision kind, or "quiz"
    option_code: Mapped[str] = mapped_column(String(60))
    verdict: Mapped[str] = mapped_column(String(20))
    rule: Mapped[str] = mapped_column(String(60), default="")
    points: Mapped[float] = mapped_column(default=0)
    max_points: Mapped[float] = mapped_column(default=0)
    safety_error: Mapped[bool] = mapped_column(default=False)
    pitfalls: Mapped[list] = mapped_column(db.JSON, default=list)
    guideline_version: Mapped[str] = mapped_column(String(60))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    attempt: Mapped[Attempt] = relationship(back_populates="choices")
    history: Mapped[list[ChoiceScore]] = relationship(
        order_by="ChoiceScore.id", cascade="all, delete-orphan"
    )


class ChoiceScore(db.Model):
    """A past score of a choice, kept when the choice is re-scored under a newer guideline."""

    __tablename__ = "choice_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    choice_id: Mapped[int] = mapped_column(ForeignKey("choices.id"), index=True)
    guideline_version: Mapped[str] = mapped_column(String(60))
    verdict: Mapped[str] = mapped_column(String(20))
    points: Mapped[float]
    max_points: Mapped[float]
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)
