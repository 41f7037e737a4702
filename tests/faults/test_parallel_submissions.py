"""Fifty submissions of one decision at the same instant store one choice.

A resident's double taps, two tabs and a flaky connection's retries, at their worst:
fifty threads, released together by a barrier, post the same step of the same attempt
(same session, same CSRF token) to gunicorn with two workers of eight threads each.
Every one of them must be answered with the feedback page of that step, and the
database must hold exactly one choice for it, the attempt's path moved on exactly once.
"""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from edu.extensions import db
from edu.models import Attempt, Choice
from edu.services import play
from tests.factories import PASSWORD
from tests.faults.gunicorn_server import Gunicorn
from tests.faults.http_client import Client
from tests.faults.test_worker_kill import assert_attempts_agree_with_their_choices
from tests.security.world import make_user

SUBMISSIONS = 50
_CHOSEN = re.compile(r"<strong>You chose:</strong> ([^<]+)</p>")


@pytest.fixture(scope="module")
def server(database_url, tmp_path_factory):
    """One server for the module; each test's ``app`` fixture empties the tables under it."""
    with Gunicorn(
        database_url, tmp_path_factory.mktemp("gunicorn"), workers=2, threads=8
    ) as running:
        yield running


@pytest.fixture
def at_decision(app, short_case):
    """A resident's attempt waiting at its first decision (step 1); (email, attempt id)."""
    resident = make_user("resident")
    attempt = play.start_attempt(resident.id, short_case)
    play.advance(attempt.id, resident.id, 0)
    result = resident.email, attempt.id
    db.session.remove()
    return result


def submit_all_at_once(port: int, email: str, attempt_id: int, options: list[str]):
    """Post ``options[i]`` from thread i, all released at the same moment; return replies."""
    client = Client(port)
    client.log_in(email, PASSWORD)
    page = client.get(f"/play/attempts/{attempt_id}")
    assert page.status == 200 and 'name="step" value="1"' in page.body
    token = page.csrf_token()
    barrier = threading.Barrier(len(options))

    def submit(option: str):
        twin = Client(port, timeout=60)
        twin.cookies = dict(client.cookies)  # the same browser session
        barrier.wait()
        return twin.post(
            f"/play/attempts/{attempt_id}/decide",
            {"step": "1", "option": option, "csrf_token": token},
        )

    with ThreadPoolExecutor(max_workers=len(options)) as pool:
        return list(pool.map(submit, options))


def stored_choices(attempt_id: int) -> list[Choice]:
    db.session.remove()
    return db.session.scalars(select(Choice).where(Choice.attempt_id == attempt_id)).all()


def test_fifty_identical_submissions_store_one_choice(at_decision, server):
    email, attempt_id = at_decision
    replies = submit_all_at_once(server.port, email, attempt_id, ["THP_DOCETAXEL"] * SUBMISSIONS)

    feedback = f"/play/attempts/{attempt_id}/steps/1"
    # Every submission is answered with the feedback on the one stored choice.
    assert [(r.status, r.content_location) for r in replies] == [(200, feedback)] * SUBMISSIONS
    choices = stored_choices(attempt_id)
    assert [(c.step, c.option_code) for c in choices] == [(1, "THP_DOCETAXEL")]
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.status == "completed" and attempt.points == choices[0].points
    assert_attempts_agree_with_their_choices({attempt_id})


def test_fifty_conflicting_submissions_store_the_first_and_show_it_to_all(at_decision, server):
    email, attempt_id = at_decision
    options = ["THP_DOCETAXEL", "TH_TAXANE"] * (SUBMISSIONS // 2)
    replies = submit_all_at_once(server.port, email, attempt_id, options)

    feedback = f"/play/attempts/{attempt_id}/steps/1"
    assert {(r.status, r.content_location) for r in replies} == {(200, feedback)}
    choices = stored_choices(attempt_id)
    assert len(choices) == 1 and choices[0].option_code in options
    # ...and every learner's screen shows the choice that was stored, not the one they sent.
    chosen = {_CHOSEN.search(r.body)[1] for r in replies}
    assert len(chosen) == 1, chosen
    assert_attempts_agree_with_their_choices({attempt_id})
