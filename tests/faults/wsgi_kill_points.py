"""``gunicorn tests.faults.wsgi_kill_points:app``: the real app, with places to be killed.

The app is ``wsgi:app`` unchanged, plus two pauses in ``play.decide`` that a fault test
can arm: ``written`` (the choice is written inside the open transaction, not committed)
and ``committed`` (the decision is committed, the answer not yet sent). An armed worker
reaching one writes its pid to ``victim`` in EDU_KILL_POINTS_DIR and waits there for the
test's SIGKILL, so the kill lands exactly there instead of wherever it falls.

Both wrap functions of ``edu.services.play``: ``written`` pauses after
``_write_decision`` returns (its statements have run in the transaction, which its caller
then commits), ``committed`` after ``_store_decision`` returns. A PostgreSQL decision that
finishes nothing counted is one statement in autocommit mode, which has no moment between
written and committed: there ``written`` is the moment before that statement is sent, the
last before it commits.
"""

from __future__ import annotations

import os
import time
from functools import wraps
from pathlib import Path

from flask import has_request_context, request

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


def _written_then_pause(write):
    @wraps(write)
    def write_then_pause(connection, *args, **kwargs):
        options = connection.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            _pause_if_armed("written")  # the last moment before the statement commits
            return write(connection, *args, **kwargs)
        choice_id = write(connection, *args, **kwargs)
        _pause_if_armed("written")  # the statements have run; nothing is committed
        return choice_id

    return write_then_pause


def _committed_then_pause(store):
    @wraps(store)
    def store_then_pause(*args, **kwargs):
        stored = store(*args, **kwargs)  # returns once the decision is committed
        _pause_if_armed("committed")
        return stored

    return store_then_pause


play._write_decision = _written_then_pause(play._write_decision)
play._store_decision = _committed_then_pause(play._store_decision)

__all__ = ["app"]
