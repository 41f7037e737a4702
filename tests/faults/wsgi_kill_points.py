"""``gunicorn tests.faults.wsgi_kill_points:app``: the real app, with places to be killed.

The app is ``wsgi:app`` unchanged, plus two pauses in ``play.decide`` that a fault test
can arm: ``written`` (the choice is written inside the open transaction, not committed)
and ``committed`` (the decision is committed, the answer not yet sent). An armed worker
reaching one writes its pid to ``victim`` in EDU_KILL_POINTS_DIR and waits there for the
test's SIGKILL, so the kill lands exactly there instead of wherever it falls.

A PostgreSQL decision that finishes nothing counted is one statement in autocommit mode
(``play._store_decision``), which has no moment between written and committed: there
``written`` is the moment before that statement is sent, the last before it commits.
"""

from __future__ import annotations

import os
import time
from functools import wraps
from pathlib import Path

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from edu.services import play
from edu.services.guidelines import current_library
from wsgi import app

CONTROL = Path(os.environ["EDU_KILL_POINTS_DIR"])

# Load the guideline rules before gunicorn forks (--preload), so a worker that replaces a
# killed one starts warm, as the ones before it were after their first request.
with app.app_context():
    current_library()


def _pause_if_armed(phase: str) -> None:
    if not has_request_context() or request.endpoint != "play.decide":
        return
    armed = CONTROL / f"arm-{phase}"
    try:
        armed.unlink()  # the first worker to get here takes it; the others go on
    except FileNotFoundError:
        return
    victim = CONTROL / "victim"
    partial = victim.with_suffix(f".{os.getpid()}")
    partial.write_text(f"{os.getpid()} {phase}")
    partial.rename(victim)
    time.sleep(10)  # the test kills us long before this ends


@event.listens_for(Engine, "commit")
def _written(connection) -> None:
    # Called before the DBAPI commit: the decision's statements have run (decide writes
    # with Core statements, so there is no ORM flush to wait for), nothing is committed.
    _pause_if_armed("written")


@event.listens_for(Engine, "before_cursor_execute")
def _about_to_write_in_autocommit(connection, _cursor, statement, *_args) -> None:
    autocommit = connection.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
    if autocommit and statement.startswith("WITH moved AS"):  # play._move_then_insert
        _pause_if_armed("written")


def _committed_then_pause(store):
    @wraps(store)
    def store_then_pause(*args, **kwargs):
        stored = store(*args, **kwargs)  # returns once the decision is committed
        _pause_if_armed("committed")
        return stored

    return store_then_pause


play._store_decision = _committed_then_pause(play._store_decision)

__all__ = ["app"]
