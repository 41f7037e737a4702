"""Fault tests: real gunicorn workers, killed; a database that goes away and comes back.

They are slower than the rest (a few seconds each) but run in the normal suite; select
or skip them with ``-m faults``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import sync_fixture_cases

PLAY_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "play"


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "faults: kills processes or cuts the database (seconds each; in the normal suite)",
    )


def pytest_collection_modifyitems(items):
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(item.fspath).resolve().parents:
            item.add_marker(pytest.mark.faults)


@pytest.fixture
def short_case(app):
    """The two-decision test case, published."""
    return sync_fixture_cases(PLAY_FIXTURES / "play-short.md")[0]
