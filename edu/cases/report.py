"""Collects findings for one file while it is parsed or linted."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from edu.cases.model import Finding


class Report:
    """Findings for one file; every helper takes the 1-based line in the original file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.findings: list[Finding] = []

    def error(self, line: int, message: str) -> None:
        """Record an error: the file cannot be published until it is fixed."""
        self.findings.append(Finding(self.path, max(1, line), "error", message))

    def warning(self, line: int, message: str) -> None:
        """Record a warning: worth fixing, but the file can be published."""
        self.findings.append(Finding(self.path, max(1, line), "warning", message))

    @property
    def has_errors(self) -> bool:
        """True once any error has been recorded."""
        return any(finding.is_error for finding in self.findings)


def suggest(word: str, choices: Iterable[str]) -> str:
    """Return " (did you mean 'x'?)" for the closest of ``choices``, or "" when none is close."""
    pool = list(choices)
    lowered = {choice.lower(): choice for choice in pool}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return f" (did you mean '{lowered[word.lower()]}'?)"
    close = difflib.get_close_matches(word, pool, n=1, cutoff=0.75)
    return f" (did you mean '{close[0]}'?)" if close else ""


def listing(items: Iterable[str], limit: int = 12) -> str:
    """Return ``items`` comma-separated, shortened to ``limit`` names so messages stay one line."""
    names = list(items)
    if len(names) > limit:
        return ", ".join(names[:limit]) + f", ... ({len(names) - limit} more)"
    return ", ".join(names)
