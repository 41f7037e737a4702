"""Accessibility of every page type: axe-core, a 375 px screen, and the keyboard alone.

axe-core (npm, tests/browser/node_modules) must report no serious or critical violation
on each page type, at desktop width and at 375 px, where nothing may scroll sideways.
The three main flows (log in, make a decision, answer a quiz item) are done with Tab,
Shift+Tab, Space and Enter only, and the focused control must always show where it is.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from edu.services import authoring, play
from tests.browser.conftest import run_axe
from tests.factories import PASSWORD, create_course, enrol, sync_fixture_cases
from tests.security.world import AUTHORED_TEXT, make_user

PLAY = Path(__file__).resolve().parents[1] / "fixtures" / "play"
VIEWPORTS = {"desktop": (1280, 900), "phone": (375, 740)}
OVERFLOW = "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) - window.innerWidth"


@pytest.fixture
def a11y_world(live_app):
    """Accounts, a course, and attempts left at each page type; returns the URLs per role."""
    instructor = make_user("instructor", name="Irene Instructor")
    resident = make_user("resident", name="Rosa Resident")
    admin = make_user("admin", name="Ada Admin")
    case, quiz = sync_fixture_cases(PLAY / "play-short.md", PLAY / "play-quiz.md")
    authored = authoring.create_case(AUTHORED_TEXT, instructor, publish=True).case
    course = create_course(instructor, "HER2 module", leaderboard_visible=True)
    enrol(course, resident)
    for record in (case, quiz, authored):
        from edu.services import courses

        courses.assign(course, record.id)

    def attempt(record, course_id, *moves):
        current = play.start_attempt(resident.id, record, course_id=course_id, restart=True)
        for move in moves:
            step = play.current_step(current)
            if move is None:
                play.advance(current.id, resident.id, step)
            else:
                play.decide(current.id, resident.id, step, move)
            current = play.get_attempt(current.id, resident.id)
        return current.id

    narrative = attempt(authored, None)
    decision = attempt(case, None, None)
    finished = attempt(case, course.id, None, "TH_TAXANE", None, "T_DXD")
    quiz_open = attempt(quiz, None)
    quiz_done = attempt(quiz, course.id, "A", "C")
    attempt(authored, course.id, None, "THP_DOCETAXEL", "LVEF_BASELINE_AND_EVERY_3_MONTHS")
    slug = authored.slug
    return {
        "users": {"resident": resident, "instructor": instructor, "admin": admin},
        "pages": {
            "resident": {
                "catalog": "/play/",
                "case node (narrative)": f"/play/attempts/{narrative}",
                "case node (decision)": f"/play/attempts/{decision}",
                "feedback": f"/play/attempts/{finished}/steps/1",
                "debrief": f"/play/attempts/{finished}/debrief",
                "quiz item": f"/play/attempts/{quiz_open}",
                "quiz feedback": f"/play/attempts/{quiz_done}/steps/0",
                "quiz debrief": f"/play/attempts/{quiz_done}/debrief",
                "progress": "/play/progress",
                "courses": "/courses/",
                "course (resident)": f"/courses/{course.id}",
                "leaderboard (resident)": f"/courses/{course.id}/leaderboard",
            },
            "instructor": {
                "author index": "/author/",
                "editor": f"/author/{slug}/edit",
                "new case": "/author/new",
                "history": f"/author/{slug}/history",
                "version": f"/author/{slug}/versions/1",
                "diff": f"/author/{slug}/diff",
                "analytics": f"/author/{slug}/analytics",
                "upload": "/author/upload",
                "guideline changes": "/author/guideline-changes",
                "course (instructor)": f"/courses/{course.id}",
                "leaderboard (instructor)": f"/courses/{course.id}/leaderboard",
                "new course": "/courses/new",
            },
            "admin": {"accounts": "/admin/users"},
        },
    }


@pytest.fixture(params=list(VIEWPORTS))
def sized_page(request, browser):
    width, height = VIEWPORTS[request.param]
    phone = request.param == "phone"
    context = browser.new_context(
        viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.phone = phone
    yield page
    context.close()


def log_in_quickly(page, base: str, email: str) -> None:
    page.goto(f"{base}/auth/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/auth/login" not in page.url


def audit(page, base: str, pages: dict[str, str]) -> list[str]:
    """Visit each page; return what is wrong with it (axe violations, sideways scroll)."""
    problems = []
    for name, path in pages.items():
        response = page.goto(base + path)
        if response.status != 200:
            problems.append(f"{name} ({path}): status {response.status}")
            continue
        for violation in run_axe(page):
            targets = [node["target"] for node in violation["nodes"][:3]]
            problems.append(f"{name} ({path}): {violation['id']} {violation['impact']} {targets}")
        if page.phone:
            overflow = page.evaluate(OVERFLOW)
            if overflow > 0:
                problems.append(f"{name} ({path}): {overflow}px wider than a 375 px screen")
    return problems


def test_the_log_in_page(live_server, sized_page):
    assert audit(
        sized_page,
        live_server.url,
        {"log-in": "/auth/login", "register": "/auth/register", "error page": "/no/such/page"},
    ) == ["error page (/no/such/page): status 404"]
    sized_page.goto(f"{live_server.url}/no/such/page")
    assert run_axe(sized_page) == []


@pytest.mark.parametrize("role", ["resident", "instructor", "admin"])
def test_every_page_type(live_server, sized_page, a11y_world, role):
    log_in_quickly(sized_page, live_server.url, a11y_world["users"][role].email)
    problems = audit(sized_page, live_server.url, a11y_world["pages"][role])
    assert problems == [], "\n".join(problems)


# --- the keyboard alone ------------------------------------------------------------------

FOCUS_SHOWN = """() => {
  var el = document.activeElement;
  if (!el || el === document.body) return false;
  var style = getComputedStyle(el);
  return (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
      || style.boxShadow !== 'none';
}"""
FOCUSED = """() => {
  var el = document.activeElement;
  if (!el) return '';
  var label = el.labels && el.labels.length ? el.labels[0].innerText : '';
  return [el.tagName, el.type || '', (el.innerText || el.value || '').trim(), label.trim()].join('|');
}"""


def tab_to(page, text: str, key: str = "Tab", limit: int = 60) -> str:
    """Press ``key`` until the focused control shows or is labelled ``text``; return it."""
    for _ in range(limit):
        page.keyboard.press(key)
        focused = page.evaluate(FOCUSED)
        if text in focused:
            assert page.evaluate(FOCUS_SHOWN), f"no visible focus indicator on {focused}"
            return focused
    raise AssertionError(f"{text!r} cannot be reached with {key}")


def follow(page, key: str) -> None:
    """Press ``key`` on a link or submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press(key)


def keyboard_log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/auth/login")
    assert "Email" in page.evaluate(FOCUSED), "the log-in page starts in the email field"
    page.keyboard.type(email)
    tab_to(page, "Password", limit=1)
    tab_to(page, "Email", key="Shift+Tab", limit=1)  # and back: the order is sensible
    tab_to(page, "Password", limit=1)
    page.keyboard.type(PASSWORD)
    follow(page, "Enter")
    assert "/auth/login" not in page.url, page.locator("main").inner_text()


def skip_to_content(page) -> None:
    """The first Tab stop of a page skips the navigation; Enter on it lands in the content."""
    tab_to(page, "Skip to content", limit=1)
    page.keyboard.press("Enter")


def test_log_in_and_make_a_decision_by_keyboard(live_server, page, a11y_world):
    keyboard_log_in(page, live_server.url, a11y_world["users"]["resident"].email)
    page.goto(f"{live_server.url}/play/")
    skip_to_content(page)
    tab_to(page, "A short test patient")  # the Start/Resume button names its case
    follow(page, "Enter")
    assert "Which first-line regimen" in page.content()
    tab_to(page, "Pertuzumab + trastuzumab + docetaxel")
    page.keyboard.press("Space")
    tab_to(page, "Submit choice")
    follow(page, "Enter")
    assert "Preferred" in page.locator(".verdict").first.inner_text()
    tab_to(page, "See the debrief")
    follow(page, "Enter")
    assert "10 / 10 points" in page.locator(".score").inner_text()


def test_take_a_quiz_item_by_keyboard(live_server, page, a11y_world):
    keyboard_log_in(page, live_server.url, a11y_world["users"]["resident"].email)
    page.goto(f"{live_server.url}/play/")
    skip_to_content(page)
    tab_to(page, "A two-question test quiz")
    follow(page, "Enter")
    assert "Question 1 of 2" in page.content()
    tab_to(page, "1,200 mg pertuzumab")
    page.keyboard.press("Space")
    tab_to(page, "Submit choice")
    follow(page, "Enter")
    assert "Correct" in page.locator(".verdict").first.inner_text()
    tab_to(page, "Continue")
    follow(page, "Enter")
    assert "Question 2 of 2" in page.content()
