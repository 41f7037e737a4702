"""The trial registry: every figure the platform quotes lives here and nowhere else.

``evidence.yaml`` holds one entry per trial with confirmed figures only, each a short
sentence under a key. Rule rationales quote them as ``{TRIAL.key}`` placeholders, filled in
when the rules are loaded, so a figure is typed once and checked once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edu.guideline.errors import RulesFileError, listing
from edu.guideline.versions import applies_to, parse_version

PLACEHOLDER = re.compile(r"\{([A-Za-z0-9][A-Za-z0-9-]*)\.([a-z][a-z0-9_]*)\}")


@dataclass(frozen=True)
class Trial:
    """One trial of the registry with its confirmed figures."""

    id: str
    name: str
    design: str
    comparison: str
    figures: Mapping[str, str]
    key_figures: tuple[str, ...]
    notes: str = ""
    since: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the trial as a JSON-ready dict."""
        return {
            "id": self.id,
            "name": self.name,
            "design": self.design,
            "comparison": self.comparison,
            "figures": dict(self.figures),
            "key_figures": list(self.key_figures),
            "notes": self.notes,
        }


class EvidenceRegistry:
    """The trials in force for one guideline version."""

    def __init__(self, trials: Mapping[str, Trial]) -> None:
        self._trials = dict(trials)

    def get(self, trial_id: str) -> Trial:
        """Return the trial ``trial_id``; raises KeyError naming the known ids."""
        try:
            return self._trials[trial_id]
        except KeyError:
            raise KeyError(f"unknown trial {trial_id!r} (known: {listing(self._trials)})") from None

    def ids(self) -> list[str]:
        """Return the trial ids in registry order."""
        return list(self._trials)

    def __contains__(self, trial_id: object) -> bool:
        return trial_id in self._trials

    def __iter__(self) -> Iterator[Trial]:
        return iter(self._trials.values())

    def __len__(self) -> int:
        return len(self._trials)

    def figure(self, trial_id: str, key: str) -> str:
        """Return one figure sentence; raises KeyError."""
        trial = self.get(trial_id)
        try:
            return trial.figures[key]
        except KeyError:
            raise KeyError(
                f"trial {trial_id!r} has no figure {key!r} (has: {listing(trial.figures)})"
            ) from None

    def render(self, text: str, cited: tuple[str, ...] | frozenset[str]) -> str:
        """Return ``text`` with ``{TRIAL.key}`` placeholders replaced by figure sentences.

        A placeholder may only quote a trial in ``cited``, so every figure shown to a
        learner is traceable to a citation beside it.
        :raises KeyError: unknown trial or figure, or a trial that is not cited.
        """

        def fill(match: re.Match[str]) -> str:
            trial_id, key = match[1], match[2]
            if trial_id not in cited:
                raise KeyError(f"{{{trial_id}.{key}}} quotes a trial that is not cited")
            return self.figure(trial_id, key)

        return PLACEHOLDER.sub(fill, text)

    def for_version(self, version: str) -> EvidenceRegistry:
        """Return the registry restricted to trials in force in ``version``."""
        return EvidenceRegistry(
            {tid: t for tid, t in self._trials.items() if applies_to(t.since, None, version)}
        )


_TRIAL_KEYS = {"name", "design", "comparison", "figures", "key_figures", "notes", "since"}


def load_evidence(path: Path, raw: Any) -> EvidenceRegistry:
    """Return the whole registry parsed from ``evidence.yaml`` (already YAML-decoded).

    :raises RulesFileError: a malformed entry, naming the file and the trial.
    """
    if not isinstance(raw, Mapping) or not isinstance(raw.get("trials"), Mapping):
        raise RulesFileError(path, "expected a 'trials' mapping")
    trials: dict[str, Trial] = {}
    for trial_id, body in raw["trials"].items():
        where = f"trial {trial_id!r}"
        if not isinstance(body, Mapping):
            raise RulesFileError(path, f"{where} must be a mapping")
        unknown = set(body) - _TRIAL_KEYS
        if unknown:
            raise RulesFileError(path, f"{where} has unknown keys: {listing(sorted(unknown))}")
        figures = body.get("figures")
        if not isinstance(figures, Mapping) or not figures:
            raise RulesFileError(path, f"{where} needs at least one figure")
        for key, sentence in figures.items():
            if not isinstance(sentence, str) or not sentence.strip():
                raise RulesFileError(path, f"{where} figure {key!r} must be a sentence")
            if not re.fullmatch(r"[a-z][a-z0-9_]*", str(key)):
                raise RulesFileError(path, f"{where} figure key {key!r} must be snake_case")
        key_figures = tuple(body.get("key_figures") or ())
        for key in key_figures:
            if key not in figures:
                raise RulesFileError(path, f"{where} key figure {key!r} is not one of its figures")
        since = body.get("since")
        if since is not None and parse_version(str(since)) is None:
            raise RulesFileError(path, f"{where} since {since!r} is not a version name")
        for field_name in ("design", "comparison"):
            if not str(body.get(field_name, "")).strip():
                raise RulesFileError(path, f"{where} needs a {field_name}")
        trials[str(trial_id)] = Trial(
            id=str(trial_id),
            name=str(body.get("name", trial_id)),
            design=str(body["design"]).strip(),
            comparison=str(body["comparison"]).strip(),
            figures={str(k): str(v).strip() for k, v in figures.items()},
            key_figures=key_figures,
            notes=str(body.get("notes", "")).strip(),
            since=str(since) if since else None,
        )
    return EvidenceRegistry(trials)
