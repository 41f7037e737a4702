"""Access to the guideline library configured for this app."""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from edu.guideline import GuidelineLibrary, load_library


def cases_dir() -> Path:
    return Path(current_app.config["CASES_DIR"])


def current_library() -> GuidelineLibrary:
    """Return the guideline versions under CASES_DIR/guidelines (loaded once per process)."""
    return load_library(cases_dir() / "guidelines")
