"""Fixtures for the case-file tests: fixture paths and the real guideline library."""

from __future__ import annotations

from pathlib import Path

import pytest

from edu.guideline import GuidelineLibrary, load_library

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "cases"
GUIDELINES = ROOT / "cases" / "guidelines"


@pytest.fixture(scope="session")
def library() -> GuidelineLibrary:
    """The project's guideline library (rules under cases/guidelines)."""
    return load_library(GUIDELINES)


def fixture_text(relative: str) -> str:
    """Return the text of a fixture file under tests/fixtures/cases."""
    return (FIXTURES / relative).read_text(encoding="utf-8")
