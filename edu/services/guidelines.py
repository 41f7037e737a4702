"""Access to the guideline library configured for this app."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import current_app

from edu.guideline import GuidelineLibrary, load_library


def cases_dir() -> Path:
    return Path(current_app.config["CASES_DIR"])


def current_library() -> GuidelineLibrary:
    """Return the guideline versions under CASES_DIR/guidelines (loaded once per process)."""
    return load_library(_guidelines_directory(current_app.config["CASES_DIR"]))


@cache
def _guidelines_directory(cases: str) -> str:
    # Every play page asks for the library a few times; building the Path each time was a
    # few percent of a node page.
    return str(Path(cases) / "guidelines")
