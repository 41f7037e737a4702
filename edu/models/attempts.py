"""Attempts at cases and quiz banks, and the choices scored within them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from edu.extensions import db
from edu.models._time import utcnow


class Attempt(db.Model):
    __tablename__ = "attempts"
    __table_args__ = (Index("ix_attempts_user_case", "user_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    case_version_id: Mapped[int] = mapped_column(ForeignKey("case_versions.id"))
    # Indexed: standings and research exports select a course's attempts.
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id"), default=None, index=True)
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
