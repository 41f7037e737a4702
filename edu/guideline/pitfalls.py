"""Pitfalls: the mistakes the platform teaches learners to avoid (``pitfalls.yaml``).

Each pitfall names the version that introduced it (``since``) and, once retired, the
version that dropped it (``until``); a guideline version owns the pitfalls in force for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edu.guideline.errors import RulesFileError, listing
from edu.guideline.versions import applies_to, parse_version


@dataclass(frozen=True)
class Pitfall:
    """One pitfall: ``P1`` .. ``Pn``, a short title and the teaching text."""

    id: str
    title: str
    text: str
    since: str | None = None
    until: str | None = None

    def to_json(self) -> dict[str, str]:
        """Return the pitfall as a JSON-ready dict."""
        return {"id": self.id, "title": self.title, "text": self.text}


def load_pitfalls(path: Path, raw: Any) -> dict[str, Pitfall]:
    """Return every pitfall of ``pitfalls.yaml`` (already YAML-decoded), in file order.

    :raises RulesFileError: a malformed entry, naming the file and the pitfall.
    """
    if not isinstance(raw, Mapping) or not isinstance(raw.get("pitfalls"), Mapping):
        raise RulesFileError(path, "expected a 'pitfalls' mapping")
    out: dict[str, Pitfall] = {}
    for pid, body in raw["pitfalls"].items():
        where = f"pitfall {pid!r}"
        if not re.fullmatch(r"P[1-9][0-9]*", str(pid)):
            raise RulesFileError(path, f"{where}: ids are P1, P2, ...")
        if not isinstance(body, Mapping):
            raise RulesFileError(path, f"{where} must be a mapping")
        unknown = set(body) - {"title", "text", "since", "until"}
        if unknown:
            raise RulesFileError(path, f"{where} has unknown keys: {listing(sorted(unknown))}")
        for key in ("title", "text"):
            if not str(body.get(key, "")).strip():
                raise RulesFileError(path, f"{where} needs a {key}")
        for key in ("since", "until"):
            if body.get(key) is not None and parse_version(str(body[key])) is None:
                raise RulesFileError(path, f"{where} {key} {body[key]!r} is not a version name")
        out[str(pid)] = Pitfall(
            id=str(pid),
            title=" ".join(str(body["title"]).split()),
            text=" ".join(str(body["text"]).split()),
            since=str(body["since"]) if body.get("since") else None,
            until=str(body["until"]) if body.get("until") else None,
        )
    return out


def pitfalls_for(pitfalls: Mapping[str, Pitfall], version: str) -> dict[str, Pitfall]:
    """Return the pitfalls in force in ``version``."""
    return {pid: p for pid, p in pitfalls.items() if applies_to(p.since, p.until, version)}
