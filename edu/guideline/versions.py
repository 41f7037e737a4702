"""Guideline version names: ``<family>-<year>.<release>``, e.g. ``her2-mbc-2026.1``."""

from __future__ import annotations

import re

VERSION_NAME = re.compile(
    r"^(?P<family>[a-z][a-z0-9]*(?:-[a-z][a-z0-9]*)*)-(?P<number>\d+(?:\.\d+)*)$"
)


def parse_version(name: str) -> tuple[str, tuple[int, ...]] | None:
    """Return ``(family, number)`` for a version name, or None when it is not one."""
    match = VERSION_NAME.match(name)
    if match is None:
        return None
    return match["family"], tuple(int(part) for part in match["number"].split("."))


def applies_to(since: str | None, until: str | None, version: str) -> bool:
    """Return True when an entry introduced in ``since`` (and retired in ``until``) is in force
    in ``version``. Entries name versions of one family; ``since`` None means every version."""
    parsed = parse_version(version)
    if parsed is None:
        return False
    family, number = parsed
    if since:
        start = parse_version(since)
        if start is None or start[0] != family or number < start[1]:
            return False
    if until:
        end = parse_version(until)
        if end is not None and end[0] == family and number >= end[1]:
            return False
    return True
