"""Concurrent submissions of one decision, each thread with its own app and connections."""

from __future__ import annotations

import threading

from edu.extensions import db
from edu.services import play
from tests.conftest import make_test_app


def race_decisions(
    database_url: str,
    attempt_id: int,
    user_id: int,
    step: int,
    code: str,
    threads: int = 8,
    **app_overrides,
) -> tuple[list[bool], list[str]]:
    """Submit the same decision from ``threads`` threads at once.

    Returns (``recorded`` of each answer, errors raised). Apps are built before the race so
    the barrier releases every thread into ``decide`` together.
    """
    apps = [make_test_app(database_url, **app_overrides) for _ in range(threads)]
    barrier = threading.Barrier(len(apps), timeout=60)
    results: list[bool] = []
    errors: list[str] = []

    def submit(app):
        with app.app_context():
            try:
                barrier.wait()
                results.append(play.decide(attempt_id, user_id, step, code).recorded)
            except Exception as error:  # noqa: BLE001 - collected and asserted by the caller
                errors.append(repr(error))
            finally:
                db.session.remove()
                db.engine.dispose()

    workers = [threading.Thread(target=submit, args=(app,)) for app in apps]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(worker.is_alive() for worker in workers), "a submission hung"
    assert not any("BrokenBarrier" in error for error in errors), errors
    assert len(results) + len(errors) == len(apps)
    return results, errors
