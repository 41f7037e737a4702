"""Kill gunicorn workers while residents are deciding: no acknowledged decision is lost or doubled.

Clients, each a resident with an attempt of their own, log in through the form and play
the two-decision test case over and over (restarting at each ending), CSRF token and all.
Meanwhile workers are killed with SIGKILL: one where it happens to be, and others
exactly inside a decision: after the choice is written but before the transaction
commits (just before the statement, for PostgreSQL's one-statement decisions), and after
the commit but before the answer is sent (:mod:`tests.faults.wsgi_kill_points`). A
decision counts as acknowledged when its answer reached the client: the 302 to its
feedback page. After the run, every acknowledged decision is in the database exactly
once with the option the client sent, no (attempt, step) holds two choices, and every
attempt's path and points agree with its stored choices (a kill never leaves half a
decision behind).
"""

from __future__ import annotations

import http.client
import random
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, select

from edu.extensions import db
from edu.models import Attempt, Choice
from tests.factories import PASSWORD
from tests.faults.gunicorn_server import Gunicorn
from tests.faults.http_client import Client
from tests.security.world import make_user

CLIENTS = 6
PROGRESS = 6  # acknowledged decisions between two kills (so each kill hits a busy server)
# Where the workers die, in order: anywhere, then at the kill points inside a decision.
KILLS = ("anywhere", "written", "committed", "written", "committed")
_FEEDBACK = re.compile(r"^(?:https?://[^/]+)?/play/attempts/(\d+)/steps/(\d+)$")
_ATTEMPT = re.compile(r"^(?:https?://[^/]+)?/play/attempts/(\d+)(?:/debrief)?$")
_OPTION = re.compile(r'name="option"[^>]*value="([A-Z0-9_]+)"')
_STEP = re.compile(r'name="step"[^>]*value="(\d+)"')


@dataclass
class Resident:
    """One client's run: what it was told was stored, and what broke under it."""

    email: str
    seed: int
    acknowledged: list[tuple[int, int, str]] = field(default_factory=list)
    interrupted: int = 0
    unavailable: int = 0
    attempts: set[int] = field(default_factory=set)

    def play(self, port: int, slug: str, stop: threading.Event) -> None:
        rng = random.Random(self.seed)
        client = Client(port)
        self._retry(lambda: client.log_in(self.email, PASSWORD), stop)
        attempt_id = self._retry(lambda: self._start(client, slug), stop)
        while not stop.is_set() and attempt_id is not None:
            try:
                attempt_id = self._step(client, attempt_id, rng)
            except (OSError, http.client.HTTPException):
                self.interrupted += 1  # the worker died under this request: reload
                time.sleep(0.05)

    def _retry(self, action, stop: threading.Event):
        while not stop.is_set():
            try:
                return action()
            except (OSError, http.client.HTTPException, AssertionError):
                self.interrupted += 1
                time.sleep(0.05)
        return None

    def _start(self, client: Client, slug: str) -> int:
        token = client.get("/play/").csrf_token()
        reply = client.post(f"/play/{slug}/start", {"csrf_token": token})
        assert reply.status == 302, reply.status
        attempt_id = int(_ATTEMPT.match(reply.location)[1])
        self.attempts.add(attempt_id)
        return attempt_id

    def _step(self, client: Client, attempt_id: int, rng: random.Random) -> int:
        """Do what the attempt's current page offers; return the attempt to go on with."""
        page = client.get(f"/play/attempts/{attempt_id}")
        if page.status == 503:
            self.unavailable += 1
            return attempt_id
        if page.status == 302:  # finished: the page sends us to the debrief; play again
            token = client.get(page.location).csrf_token()
            reply = client.post(f"/play/attempts/{attempt_id}/restart", {"csrf_token": token})
            assert reply.status == 302, reply.status
            fresh = int(_ATTEMPT.match(reply.location)[1])
            self.attempts.add(fresh)
            return fresh
        assert page.status == 200, page.status
        token, step = page.csrf_token(), _STEP.search(page.body)[1]
        options = _OPTION.findall(page.body)
        if not options:
            client.post(f"/play/attempts/{attempt_id}/advance", {"step": step, "csrf_token": token})
            return attempt_id
        option = rng.choice(options)
        reply = client.post(
            f"/play/attempts/{attempt_id}/decide",
            {"step": step, "option": option, "csrf_token": token},
        )
        acknowledged = _FEEDBACK.match(reply.content_location) if reply.status == 200 else None
        if acknowledged:
            assert (int(acknowledged[1]), int(acknowledged[2])) == (attempt_id, int(step))
            self.acknowledged.append((attempt_id, int(step), option))
        elif reply.status == 503:
            self.unavailable += 1
        return attempt_id


def test_killed_workers_lose_and_double_no_acknowledged_decision(
    app, short_case, database_url, tmp_path
):
    residents = [Resident(make_user("resident").email, seed) for seed in range(CLIENTS)]
    slug = short_case.slug
    db.session.remove()
    app = "tests.faults.wsgi_kill_points:app"
    with Gunicorn(database_url, tmp_path, workers=2, app=app) as server:
        stop = threading.Event()
        threads = [
            threading.Thread(target=r.play, args=(server.port, slug, stop)) for r in residents
        ]
        for thread in threads:
            thread.start()
        killed = []
        for where in KILLS:
            wait_for_progress(residents, PROGRESS)
            killed.append(server.kill_a_worker() if where == "anywhere" else server.kill_at(where))
        wait_for_progress(residents, PROGRESS)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        assert not any(thread.is_alive() for thread in threads)
        assert server.process.poll() is None, "the gunicorn master died"

    acknowledged = [entry for r in residents for entry in r.acknowledged]
    attempts = set().union(*(r.attempts for r in residents))
    # The run must have done what it claims: many decisions, requests cut by the kills.
    assert len(acknowledged) >= PROGRESS * len(KILLS), acknowledged
    assert None not in killed, (
        f"a kill point was never reached: {list(zip(KILLS, killed, strict=True))}"
    )
    targeted = len(KILLS) - KILLS.count("anywhere")
    assert sum(r.interrupted for r in residents) >= targeted, "a kill hit no request"

    stored = Counter(
        (c.attempt_id, c.step)
        for c in db.session.scalars(select(Choice).where(Choice.attempt_id.in_(attempts)))
    )
    for attempt_id, step, option in acknowledged:
        rows = db.session.scalars(
            select(Choice).where(Choice.attempt_id == attempt_id, Choice.step == step)
        ).all()
        assert [c.option_code for c in rows] == [option], (attempt_id, step, option)
    assert [key for key, count in stored.items() if count > 1] == []
    duplicates = db.session.execute(
        select(Choice.attempt_id, Choice.step)
        .group_by(Choice.attempt_id, Choice.step)
        .having(func.count() > 1)
    ).all()
    assert duplicates == []
    assert_attempts_agree_with_their_choices(attempts)
    # The "committed" kills stored a choice whose answer never left: stored, unacknowledged,
    # and still once (the resident reloaded and went on from the next node).
    unacknowledged = set(stored) - {(a, s) for a, s, _ in acknowledged}
    assert len(unacknowledged) >= KILLS.count("committed")


def wait_for_progress(residents: list[Resident], decisions: int, timeout: float = 10) -> None:
    """Wait until the clients have had ``decisions`` more decisions acknowledged."""

    def total():
        return sum(len(r.acknowledged) for r in residents)

    target, deadline = total() + decisions, time.monotonic() + timeout
    while total() < target and time.monotonic() < deadline:
        time.sleep(0.02)


def assert_attempts_agree_with_their_choices(attempt_ids: set[int]) -> None:
    """Each attempt's path, points and choices tell the same story (no half-stored decision)."""
    for attempt in db.session.scalars(select(Attempt).where(Attempt.id.in_(attempt_ids))):
        chosen = {step: code for step, (_, code) in enumerate(attempt.path) if code is not None}
        stored = {c.step: c.option_code for c in attempt.choices}
        assert chosen == stored, (attempt.id, attempt.path, stored)
        assert attempt.points == sum(c.points for c in attempt.choices), attempt.id
        assert len(attempt.path) - 1 >= max(stored, default=-1)
