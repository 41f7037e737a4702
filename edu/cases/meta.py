"""Check the front matter's keys and value types; return plain catalogue facts.

Which patient attributes exist is the guideline's business (the linter asks it); here the
``patient`` mapping only has to be a mapping of names to simple values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from edu.cases.model import DIFFICULTIES
from edu.cases.report import Report, listing, suggest

ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_ID_LENGTH = 100  # the library table's slug column
MAX_TITLE_LENGTH = 200
MAX_GUIDELINE_LENGTH = 60

CASE_REQUIRED = (
    "id",
    "title",
    "authors",
    "tags",
    "difficulty",
    "guideline",
    "objectives",
    "patient",
)
CASE_OPTIONAL = ("kind", "minutes", "lines")
QUIZ_REQUIRED = ("kind", "id", "title", "authors", "tags", "difficulty", "guideline")
QUIZ_OPTIONAL = ("objectives", "minutes")

_EXAMPLES = {
    "id": "id: her2-denovo-hr-negative",
    "title": "title: Dyspnoea and a liver lesion at 52",
    "authors": "authors: [rkhan]",
    "tags": "tags: [first-line, de-novo]",
    "difficulty": "difficulty: core",
    "guideline": "guideline: her2-mbc",
    "objectives": "objectives: [Choose first-line therapy and say why.]",
    "patient": "patient: {hr_status: negative}",
    "kind": "kind: quiz",
    "minutes": "minutes: 12",
    "lines": "lines: [1, 2]",
}


@dataclass(frozen=True)
class Meta:
    """Front-matter facts after checking; invalid values are replaced by harmless defaults."""

    kind: str
    id: str
    title: str
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    difficulty: str
    minutes: int | None
    lines: tuple[int, ...]
    guideline: str
    objectives: tuple[str, ...]
    patient: dict[str, object] = field(default_factory=dict)


def read_meta(data: object, locations: Mapping[str, int], report: Report) -> Meta | None:
    """Return the checked front matter, or None when it is not a mapping at all."""
    if not isinstance(data, dict):
        report.error(
            2,
            "the front matter must be YAML 'key: value' lines (id, title, authors, ...); "
            "see docs/case-format.md",
        )
        return None
    kind = data.get("kind", "case")
    if kind not in ("case", "quiz"):
        report.error(
            locations.get("kind", 2),
            f"kind must be 'case' or 'quiz', not {kind!r}: leave it out for a case",
        )
        kind = "case"
    required, optional = (
        (QUIZ_REQUIRED, QUIZ_OPTIONAL) if kind == "quiz" else (CASE_REQUIRED, CASE_OPTIONAL)
    )
    known = required + optional
    for key in data:
        if not isinstance(key, str) or key not in known:
            report.error(
                locations.get(str(key), 2),
                f"unknown front-matter key '{key}'{suggest(str(key), known)}: "
                f"remove it; the keys of a {kind} are {listing(known, 20)}",
            )
    for key in required:
        if key not in data:
            report.error(
                1,
                f"missing front-matter key '{key}': add it, e.g. '{_EXAMPLES[key]}'",
            )
    checker = _Checker(data, locations, report)
    return Meta(
        kind=kind,
        id=checker.identifier(),
        title=checker.text("title", MAX_TITLE_LENGTH) or "(untitled)",
        authors=checker.strings("authors", non_empty=True),
        tags=checker.strings("tags", non_empty=False),
        difficulty=checker.difficulty(),
        minutes=checker.minutes(),
        lines=checker.lines(),
        guideline=checker.text("guideline", MAX_GUIDELINE_LENGTH),
        objectives=checker.strings("objectives", non_empty=kind == "case"),
        patient=checker.patient() if kind == "case" else {},
    )


class _Checker:
    """Type checks per key; each records one error that names the key and shows an example."""

    def __init__(self, data: dict, locations: Mapping[str, int], report: Report) -> None:
        self.data = data
        self.locations = locations
        self.report = report

    def _bad(self, key: str, problem: str) -> None:
        self.report.error(
            self.locations.get(key, 2), f"'{key}' {problem}: write it like '{_EXAMPLES[key]}'"
        )

    def identifier(self) -> str:
        value = self.data.get("id")
        if value is None:
            return ""
        if not isinstance(value, str) or not ID_PATTERN.match(value) or len(value) > MAX_ID_LENGTH:
            self._bad(
                "id",
                f"must be lowercase letters, digits and single hyphens "
                f"(at most {MAX_ID_LENGTH} characters), not {value!r}",
            )
            return ""
        return value

    def text(self, key: str, limit: int) -> str:
        value = self.data.get(key)
        if value is None:
            return ""
        if not isinstance(value, str) or not value.strip():
            self._bad(key, "must be a non-empty piece of text")
            return ""
        if len(value) > limit:
            self._bad(key, f"is longer than {limit} characters")
            return value[:limit]
        return value.strip()

    def strings(self, key: str, non_empty: bool) -> tuple[str, ...]:
        value = self.data.get(key)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(
            isinstance(item, str) and item.strip() for item in value
        ):
            self._bad(key, "must be a list of pieces of text")
            return ()
        if non_empty and not value:
            self._bad(key, "must list at least one entry")
        return tuple(item.strip() for item in value)

    def difficulty(self) -> str:
        value = self.data.get("difficulty")
        if value is None:
            return "core"
        if value not in DIFFICULTIES:
            self._bad("difficulty", f"must be one of {', '.join(DIFFICULTIES)}, not {value!r}")
            return "core"
        return str(value)

    def minutes(self) -> int | None:
        value = self.data.get("minutes")
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 600:
            self._bad("minutes", f"must be a whole number of minutes from 1 to 600, not {value!r}")
            return None
        return value

    def lines(self) -> tuple[int, ...]:
        value = self.data.get("lines")
        if value is None:
            return ()
        if not isinstance(value, list) or not all(
            isinstance(item, int) and not isinstance(item, bool) and 1 <= item <= 10
            for item in value
        ):
            self._bad("lines", "must be a list of therapy lines, whole numbers from 1 to 10")
            return ()
        return tuple(value)

    def patient(self) -> dict[str, object]:
        value = self.data.get("patient")
        if value is None:
            return {}
        if not isinstance(value, dict):
            self._bad("patient", "must be a mapping of attributes to values")
            return {}
        patient: dict[str, object] = {}
        for key, item in value.items():
            line = self.locations.get(f"patient.{key}", self.locations.get("patient", 2))
            if not isinstance(key, str):
                self.report.error(line, f"patient key {key!r} must be a name: use e.g. 'age'")
            elif isinstance(item, dict) or (
                isinstance(item, list) and any(isinstance(v, list | dict) for v in item)
            ):
                self.report.error(
                    line,
                    f"patient '{key}' must be a single value or a [list, of, codes], "
                    "not a nested structure",
                )
            else:
                patient[key] = item
        return patient
