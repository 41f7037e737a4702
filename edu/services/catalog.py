"""The learner's catalogue and progress: what they can play and how they have done."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from edu.extensions import db
from edu.models import Attempt, CaseRecord, CaseVersion, Choice


@dataclass(frozen=True)
class CatalogEntry:
    slug: str
    kind: str
    title: str
    tags: tuple[str, ...]
    lines: tuple[int, ...]
    difficulty: str
    minutes: int | None
    status: str  # not started | in progress | completed
    best_percent: float | None


@dataclass(frozen=True)
class HistoryRow:
    attempt_id: int
    title: str
    kind: str
    status: str
    started_at: datetime
    completed_at: datetime | None
    points: float
    max_points: float
    percent: float | None
    case_version: int


@dataclass(frozen=True)
class Progress:
    history: list[HistoryRow]
    best: list[tuple[str, float]]  # (title, best percent)
    pitfalls: list[tuple[str, int]]  # (pitfall id, times hit), most frequent first
    timeline: list[tuple[datetime, float, str]]  # completed attempts: (when, percent, title)


def _percent(points: float, max_points: float) -> float | None:
    return round(100 * points / max_points, 1) if max_points else None


def catalog(user_id: int, tag: str | None = None, query: str | None = None) -> list[CatalogEntry]:
    """Return published cases and quiz banks (no lint error) with the learner's status.

    Filtered by ``tag`` (exact) and ``query`` (case-insensitive, in the title).
    """
    rows = db.session.execute(
        select(CaseRecord, CaseVersion)
        .join(CaseVersion, CaseVersion.id == CaseRecord.published_version_id)
        .where(CaseVersion.lint_ok.is_(True))
        .order_by(CaseRecord.kind, CaseVersion.title)
    ).all()
    status = _statuses(user_id)
    entries = []
    for record, version in rows:
        meta = version.meta or {}
        tags = tuple(meta.get("tags", ()))
        if tag and tag not in tags:
            continue
        if query and query.lower() not in version.title.lower():
            continue
        state, best = status.get(record.id, ("not started", None))
        entries.append(
            CatalogEntry(
                slug=record.slug,
                kind=record.kind,
                title=version.title,
                tags=tags,
                lines=tuple(meta.get("lines", ())),
                difficulty=meta.get("difficulty", ""),
                minutes=meta.get("minutes"),
                status=state,
                best_percent=best,
            )
        )
    return entries


def all_tags() -> list[str]:
    """Every tag on a published case or quiz bank, sorted."""
    metas = db.session.scalars(
        select(CaseVersion.meta).join(CaseRecord, CaseRecord.published_version_id == CaseVersion.id)
    )
    return sorted({tag for meta in metas for tag in (meta or {}).get("tags", ())})


def _statuses(user_id: int) -> dict[int, tuple[str, float | None]]:
    attempts = db.session.scalars(
        select(Attempt).where(Attempt.user_id == user_id, Attempt.preview.is_(False))
    )
    result: dict[int, tuple[str, float | None]] = {}
    for attempt in attempts:
        state, best = result.get(attempt.case_id, ("not started", None))
        if attempt.status == "completed":
            percent = _percent(attempt.points, attempt.max_points) or 0.0
            best = percent if best is None else max(best, percent)
            state = "completed" if state != "in progress" else state
        elif attempt.status == "in_progress":
            state = "in progress"
        result[attempt.case_id] = (state, best)
    return result


def progress(user_id: int) -> Progress:
    """Return the learner's attempt history, best scores, timeline and pitfalls hit."""
    rows = db.session.execute(
        select(Attempt, CaseVersion)
        .join(CaseVersion, CaseVersion.id == Attempt.case_version_id)
        .where(Attempt.user_id == user_id, Attempt.preview.is_(False))
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())
    ).all()
    history = [
        HistoryRow(
            attempt_id=a.id,
            title=v.title,
            kind=a.kind,
            status=a.status,
            started_at=a.started_at,
            completed_at=a.completed_at,
            points=a.points,
            max_points=a.max_points,
            percent=_percent(a.points, a.max_points),
            case_version=v.number,
        )
        for a, v in rows
    ]
    best: dict[str, float] = {}
    for row in history:
        if row.status == "completed" and row.percent is not None:
            best[row.title] = max(best.get(row.title, 0.0), row.percent)
    timeline = sorted(
        (row.completed_at, row.percent, row.title)
        for row in history
        if row.status == "completed" and row.percent is not None and row.completed_at
    )
    pitfall_lists = db.session.scalars(
        select(Choice.pitfalls)
        .join(Attempt, Attempt.id == Choice.attempt_id)
        .where(Attempt.user_id == user_id, Attempt.preview.is_(False))
    )
    counts = Counter(pid for pitfalls in pitfall_lists for pid in (pitfalls or ()))
    return Progress(
        history=history,
        best=sorted(best.items()),
        pitfalls=counts.most_common(),
        timeline=timeline,
    )
