"""Fixtures of the security tests: one world per module, restored before each test."""

from __future__ import annotations

import pytest

from edu.extensions import db
from tests.conftest import empty_all_tables, make_test_app
from tests.security.world import Snapshot, build_world, world_ids


@pytest.fixture(scope="module")
def world_app(request, _schema):
    """An app whose database holds the world; yields (app, ids, snapshot).

    CSRF is off unless the test module sets ``WORLD_APP_CONFIG`` (a config mapping).
    """
    application = make_test_app(_schema, **getattr(request.module, "WORLD_APP_CONFIG", {}))
    # No app context stays pushed: each request the tests send gets its own, as in
    # production, so nothing (the logged-in user on ``g``, the session) leaks between them.
    with application.app_context():
        empty_all_tables()
        ids = world_ids(build_world())
    snapshot = Snapshot(application)
    yield application, ids, snapshot
    with application.app_context():
        empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def world(world_app) -> dict:
    """The world's ids, its database put back as it was built."""
    application, ids, snapshot = world_app
    snapshot.restore()
    return ids


@pytest.fixture
def world_client(world_app, world):
    return world_app[0].test_client()
