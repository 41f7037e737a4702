"""A resident plays in real Chromium: two paths to an ending, a quiz, resume, no admin pages."""

from pathlib import Path

import pytest

from tests.browser.conftest import follow, login, run_axe
from tests.factories import PASSWORD, create_user, sync_fixture_cases

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "play"


@pytest.fixture
def resident(live_app):
    sync_fixture_cases(FIXTURES / "play-short.md", FIXTURES / "play-quiz.md")
    return create_user("resident")


def start_case(page, base, title):
    page.goto(f"{base}/play/")
    follow(page.locator(".catalog-entry", has_text=title).get_by_role("button").first)


def choose(page, label):
    page.get_by_label(label).check()
    follow(page.get_by_role("button", name="Submit choice"))


def test_the_preferred_path_ends_well_with_full_marks(live_server, page, resident):
    login(page, live_server.url, resident.email, PASSWORD)
    start_case(page, live_server.url, "A short test patient")
    assert run_axe(page) == []
    follow(page.get_by_role("button", name="Continue"))
    assert page.get_by_text("Patient now").is_visible()
    assert run_axe(page) == []
    choose(page, "Pertuzumab + trastuzumab + docetaxel")
    assert page.locator(".verdict").first.inner_text().strip().endswith("Preferred")
    assert "The author's teaching note for THP." in page.content()
    assert run_axe(page) == []
    follow(page.get_by_role("link", name="See the debrief"))
    assert "10 / 10 points" in page.locator(".score").inner_text()
    assert run_axe(page) == []


def test_a_wrong_turn_branches_to_second_line_and_shows_the_pitfall(live_server, page, resident):
    login(page, live_server.url, resident.email, PASSWORD)
    start_case(page, live_server.url, "A short test patient")
    follow(page.get_by_role("button", name="Continue"))
    choose(page, "Trastuzumab + paclitaxel")
    assert "Not recommended" in page.locator(".verdict").first.inner_text()
    assert page.locator(".pitfall").count() == 1
    follow(page.get_by_role("link", name="Continue"))
    assert "The liver lesions grow." in page.content()
    follow(page.get_by_role("button", name="Continue"))
    assert "line 2" in page.locator(".patient-panel").inner_text()
    choose(page, "Trastuzumab deruxtecan")
    follow(page.get_by_role("link", name="See the debrief"))
    assert "10 / 20 points" in page.locator(".score").inner_text()
    assert page.get_by_role("heading", name="Pitfalls you walked into").is_visible()


def test_reload_resumes_where_the_learner_stopped(live_server, page, resident):
    login(page, live_server.url, resident.email, PASSWORD)
    start_case(page, live_server.url, "A short test patient")
    follow(page.get_by_role("button", name="Continue"))
    page.reload()
    assert page.get_by_text("Which first-line regimen do you recommend?").is_visible()
    page.goto(f"{live_server.url}/play/")
    assert (
        "In progress"
        in page.locator(".catalog-entry", has_text="A short test patient").inner_text()
    )


def test_feedback_has_its_own_address_so_a_reload_does_not_post_again(
    live_server, page, resident
):
    login(page, live_server.url, resident.email, PASSWORD)
    start_case(page, live_server.url, "A short test patient")
    follow(page.get_by_role("button", name="Continue"))
    choose(page, "Trastuzumab + paclitaxel")
    # The POST answered with the feedback; app.js put the feedback's own address in the bar.
    assert page.url.endswith("/steps/1"), page.url
    methods = []
    page.on("request", lambda request: methods.append(request.method))
    page.reload()
    assert "Not recommended" in page.locator(".verdict").first.inner_text()
    assert "already recorded" not in page.content()  # a replayed POST would say so
    assert methods and "POST" not in methods, methods
    page.go_back()
    page.go_forward()
    assert "Not recommended" in page.locator(".verdict").first.inner_text()


def test_the_back_button_cannot_change_a_scored_choice(live_server, page, resident):
    login(page, live_server.url, resident.email, PASSWORD)
    start_case(page, live_server.url, "A short test patient")
    follow(page.get_by_role("button", name="Continue"))
    choose(page, "Trastuzumab + paclitaxel")
    page.go_back()
    if page.get_by_label("Pertuzumab + trastuzumab + docetaxel").count():
        choose(page, "Pertuzumab + trastuzumab + docetaxel")
    page.goto(f"{live_server.url}/play/progress")
    assert "0/10" in page.content()


def test_a_quiz_item_by_item_with_feedback(live_server, page, resident):
    login(page, live_server.url, resident.email, PASSWORD)
    start_case(page, live_server.url, "A two-question test quiz")
    assert "Question 1 of 2" in page.content()
    choose(page, "A. 1,200 mg pertuzumab / 600 mg trastuzumab subcutaneously")
    assert "Correct" in page.locator(".verdict").first.inner_text()
    assert run_axe(page) == []
    follow(page.get_by_role("link", name="Continue"))
    choose(page, "A. Only at baseline")
    assert "Incorrect" in page.locator(".verdict").first.inner_text()
    follow(page.get_by_role("link", name="See the debrief"))
    assert "10 / 20 points" in page.locator(".score").inner_text()


def test_pages_fit_a_phone(live_server, phone_page, resident):
    login(phone_page, live_server.url, resident.email, PASSWORD)
    start_case(phone_page, live_server.url, "A short test patient")
    follow(phone_page.get_by_role("button", name="Continue"))
    assert phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    phone_page.goto(f"{live_server.url}/play/")
    assert phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def test_keyboard_alone_can_make_a_choice(live_server, page, resident):
    login(page, live_server.url, resident.email, PASSWORD)
    start_case(page, live_server.url, "A short test patient")
    page.get_by_role("button", name="Continue").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    page.get_by_label("Pertuzumab + trastuzumab + docetaxel").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Submit choice").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert "Preferred" in page.locator(".verdict").first.inner_text()


@pytest.mark.parametrize("path", ["/author/", "/admin/users"])
def test_a_resident_cannot_reach_instructor_pages(live_server, page, resident, path):
    login(page, live_server.url, resident.email, PASSWORD)
    response = page.goto(f"{live_server.url}{path}")
    assert response.status in (403, 404)
    assert page.get_by_role("heading", name="Not allowed").count() or response.status == 404
