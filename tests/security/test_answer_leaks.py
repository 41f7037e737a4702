"""Nothing on a question's page gives the answer away before the resident chooses.

The decision page shows the question and the option labels only: no verdict, no
teaching note, no rule or pitfall; a quiz item shows no key and no explanation; feedback
for a step not yet answered does not exist.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from edu.extensions import db
from edu.models import CaseRecord
from edu.services import play
from tests.security.world import log_in

VERDICT_WORDS = re.compile(
    r"preferred|acceptable|not[ _]recommended|contraindicated|correct|pitfall|verdict",
    re.IGNORECASE,
)


def _main(html: str) -> str:
    """The page's own content (the footer's fixed text is not about the question)."""
    return html.split("<main", 1)[1].split("</main>", 1)[0]


@pytest.fixture
def resident(world, world_client):
    log_in(world_client, world["resident_email"])
    return world_client


def test_a_decision_page_shows_no_verdict_note_or_rule(world, resident):
    page = resident.get(f"/play/attempts/{world['open_attempt']}")
    assert page.status_code == 200
    content = _main(page.get_data(as_text=True))
    assert "Which first-line regimen do you recommend?" in content
    assert "teaching note" not in content.lower()
    assert not VERDICT_WORDS.search(content), VERDICT_WORDS.search(content)
    assert not re.search(r"\bR\d+\b|\bP\d+\b", content)  # rule and pitfall ids


def test_feedback_for_an_unanswered_step_does_not_exist(world, resident):
    attempt = world["open_attempt"]
    for step in (1, 2, 3):
        assert resident.get(f"/play/attempts/{attempt}/steps/{step}").status_code == 404


def test_a_quiz_item_shows_no_key_and_no_explanation(world_app, world, resident):
    with world_app[0].app_context():
        quiz = db.session.scalar(select(CaseRecord).where(CaseRecord.slug == world["quiz_slug"]))
        attempt = play.start_attempt(world["resident_id"], quiz).id
    page = resident.get(f"/play/attempts/{attempt}")
    content = _main(page.get_data(as_text=True))
    assert "What is the loading dose of Phesgo?" in content
    assert "Answer" not in content
    assert "The loading dose is fixed, not weight-based." not in content
    assert not VERDICT_WORDS.search(content)
    assert resident.get(f"/play/attempts/{attempt}/steps/0").status_code == 404
