"""Timestamps: always timezone-aware UTC, stored naive-UTC where the backend has no zone."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Return the current time in UTC, without tzinfo (what both SQLite and our columns hold)."""
    return datetime.now(UTC).replace(tzinfo=None)
