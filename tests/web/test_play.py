"""Playing through the test client: pages, no answer leaks, replays, ownership."""

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from edu.extensions import db
from edu.models import CaseVersion, Choice
from tests.factories import sync_fixture_cases

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "play"


@pytest.fixture
def short_case(app):
    return sync_fixture_cases(FIXTURES / "play-short.md")[0]


def start(client, slug="play-short"):
    response = client.post(f"/play/{slug}/start")
    assert response.status_code == 302, response.data[:300]
    return response.headers["Location"]


def test_catalogue_lists_published_cases_with_status(client, login_as, short_case):
    login_as("resident")
    page = client.get("/play/").get_data(as_text=True)
    assert "A short test patient" in page
    assert "Not started" in page


def test_a_case_whose_published_version_has_lint_errors_is_never_offered(
    client, login_as, short_case
):
    version = db.session.get(CaseVersion, short_case.published_version_id)
    version.lint_ok = False
    db.session.commit()
    login_as("resident")
    assert "A short test patient" not in client.get("/play/").get_data(as_text=True)
    assert client.post("/play/play-short/start").status_code == 302
    assert client.get("/play/").status_code == 200


def test_catalogue_filters_by_tag_and_title(client, login_as, short_case):
    login_as("resident")
    assert "A short test patient" in client.get("/play/?tag=test").get_data(as_text=True)
    assert "A short test patient" not in client.get("/play/?tag=nope").get_data(as_text=True)
    assert "A short test patient" not in client.get("/play/?q=brain").get_data(as_text=True)


LEAK_WORDS = re.compile(
    r"preferred|acceptable|not.recommended|contraindicated|verdict|points|CLEOPATRA|teaching note",
    re.I,
)


def test_a_decision_page_reveals_no_verdict_points_or_explanation(client, login_as, short_case):
    login_as("resident")
    attempt_url = start(client)
    client.post(attempt_url + "/advance", data={"step": 0})
    page = client.get(attempt_url).get_data(as_text=True)
    assert "Which first-line regimen" in page
    assert 'name="option"' in page
    assert not LEAK_WORDS.search(page), LEAK_WORDS.search(page).group(0)


def test_full_path_with_feedback_evidence_pitfall_and_debrief(client, login_as, short_case):
    login_as("resident")
    attempt_url = start(client)
    client.post(attempt_url + "/advance", data={"step": 0})
    response = client.post(attempt_url + "/decide", data={"step": 1, "option": "TH_TAXANE"})
    # The feedback is the POST's own answer; its address is given for reloads and links.
    assert response.status_code == 200
    assert response.headers["Content-Location"] == attempt_url + "/steps/1"
    answered = response.get_data(as_text=True)
    assert f'data-page-url="{attempt_url}/steps/1"' in answered
    feedback = client.get(response.headers["Content-Location"]).get_data(as_text=True)
    for page in (answered, feedback):
        assert "Not recommended" in page
        assert "Pitfall" in page
        assert "CLEOPATRA" in page
        assert "56.5" in page  # the trial's figure comes from the evidence registry
    client.post(attempt_url + "/advance", data={"step": 2})
    response = client.post(attempt_url + "/decide", data={"step": 3, "option": "T_DXD"})
    debrief = client.get(attempt_url + "/debrief").get_data(as_text=True)
    assert "10 / 20 points" in debrief
    assert "Try again" in debrief
    assert "References" in debrief


def test_a_replayed_post_does_not_change_the_stored_choice(client, login_as, short_case):
    login_as("resident")
    attempt_url = start(client)
    client.post(attempt_url + "/advance", data={"step": 0})
    client.post(attempt_url + "/decide", data={"step": 1, "option": "TH_TAXANE"})
    again = client.post(
        attempt_url + "/decide", data={"step": 1, "option": "THP_DOCETAXEL"}, follow_redirects=True
    )
    assert "already recorded" in again.get_data(as_text=True)
    assert db.session.scalar(select(Choice.option_code)) == "TH_TAXANE"
    assert db.session.scalar(select(func.count()).select_from(Choice)) == 1


def test_resume_after_reload_shows_the_same_node(client, login_as, short_case):
    login_as("resident")
    attempt_url = start(client)
    client.post(attempt_url + "/advance", data={"step": 0})
    assert start(client) == attempt_url
    assert "Which first-line regimen" in client.get(attempt_url).get_data(as_text=True)


def test_another_learner_cannot_open_my_attempt(client, login_as, auth, short_case):
    login_as("resident")
    attempt_url = start(client)
    auth.logout()
    login_as("resident")
    assert client.get(attempt_url).status_code == 404
    assert (
        client.post(attempt_url + "/decide", data={"step": 1, "option": "T_DXD"}).status_code == 404
    )


def test_play_pages_need_a_login(client, short_case):
    response = client.get("/play/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_residents_cannot_preview_drafts(client, login_as, short_case):
    login_as("resident")
    assert client.post(f"/play/preview/{short_case.published_version_id}").status_code == 403


def test_progress_page_shows_history_and_pitfalls(client, login_as, short_case):
    login_as("resident")
    attempt_url = start(client)
    client.post(attempt_url + "/advance", data={"step": 0})
    client.post(attempt_url + "/decide", data={"step": 1, "option": "ANTHRACYCLINE_TRASTUZUMAB"})
    page = client.get("/play/progress").get_data(as_text=True)
    assert "A short test patient" in page
    assert "<svg" in page


def test_an_assigned_case_started_from_the_catalogue_counts_for_the_course(
    client, login_as, short_case
):
    from edu.models import Attempt
    from tests.factories import assign, create_course, create_user, enrol

    course = create_course(create_user("instructor"))
    assign(course, short_case)
    resident = login_as("resident")
    enrol(course, resident)
    attempt_url = start(client)
    attempt_id = int(attempt_url.rstrip("/").split("/")[-1])
    assert db.session.get(Attempt, attempt_id).course_id == course.id


def test_an_unassigned_case_started_from_the_catalogue_belongs_to_no_course(
    client, login_as, short_case
):
    from edu.models import Attempt

    login_as("resident")
    attempt_id = int(start(client).rstrip("/").split("/")[-1])
    assert db.session.get(Attempt, attempt_id).course_id is None


def test_the_catalogue_resumes_an_open_practice_attempt_even_when_the_case_is_assigned(
    client, login_as, short_case
):
    from tests.factories import assign, create_course, create_user, enrol

    resident = login_as("resident")
    practice_url = start(client)
    course = create_course(create_user("instructor"))
    assign(course, short_case)
    enrol(course, resident)
    assert start(client) == practice_url


@pytest.mark.parametrize(
    "data, message",
    [
        ({"step": 1}, "Choose one option first."),
        ({"step": 1, "option": "  "}, "Choose one option first."),
        ({"step": "one", "option": "TH_TAXANE"}, "Choose one option first."),
        ({"option": "TH_TAXANE"}, "Choose one option first."),
        ({"step": 1, "option": "NOT_OFFERED"}, "Choose one of the options offered."),
        ({"step": 0, "option": "TH_TAXANE"}, "This question is no longer the current one."),
    ],
)
def test_an_incomplete_or_wrong_decision_stores_nothing_and_says_why(
    client, login_as, short_case, data, message
):
    login_as("resident")
    node = start(client)
    client.post(f"{node}/advance", data={"step": 0})
    response = client.post(f"{node}/decide", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith(node)
    assert message in client.get(node).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Choice)) == 0
