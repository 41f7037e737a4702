"""Courses, their members and their assignments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from edu.extensions import db
from edu.models._time import utcnow


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    leaderboard_visible: Mapped[bool] = mapped_column(default=False)
    late_attempts_count: Mapped[bool] = mapped_column(default=True)
    pseudonyms: Mapped[bool] = mapped_column(default=False)
    # Per-course verdict -> points; None means the contract's default table.
    points_scheme: Mapped[dict | None] = mapped_column(db.JSON, default=None)
    # Key for stable pseudonyms in leaderboards and research exports.
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="course", order_by="Assignment.position"
    )


class Enrolment(db.Model):
    __tablename__ = "enrolments"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), default="resident")  # resident | instructor
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")


class Assignment(db.Model):
    __tablename__ = "assignments"
    # Its index also serves every "course_id = ?", so course_id has no index of its own
    # (migration 0005).
    __table_args__ = (UniqueConstraint("course_id", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    position: Mapped[int] = mapped_column(default=0)
    due_at: Mapped[datetime | None] = mapped_column(default=None)
    canvas_assignment_id: Mapped[str | None] = mapped_column(String(32), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[Course] = relationship(back_populates="assignments")
    case = relationship("CaseRecord")
