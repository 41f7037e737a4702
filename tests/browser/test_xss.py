"""The XSS corpus in real Chromium: on every page that shows it, nothing runs.

The corpus (tests/security/xss_corpus.py) sits in a case's narrative, question, option
labels, teaching note, patient name, title and debrief, in a quiz item's stem, choices and
explanation, in a course title and in users' names. A resident plays through it, an
instructor opens the author and course pages, an admin the account list; each page is
checked after load and after a click on every link and control of its rendered content:

- the sentinel ``window.__xss`` that every payload tries to set stays undefined, and no
  dialog (``alert``) opens;
- the DOM holds no event-handler attribute and no javascript:/data:/vbscript: URL;
- with the CSP enforced, no violation is reported (a violation means the sanitiser let
  something through and only the CSP stopped it).

Each journey runs twice: with the CSP as deployed, and with the browser told to ignore
it, so the sanitiser alone is shown to hold. Control tests prove the detectors fire.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Error as PlaywrightError

from edu.extensions import db
from edu.services import authoring, play
from tests.browser.conftest import login
from tests.browser.xss_documents import MARK, xss_case, xss_quiz
from tests.factories import PASSWORD, create_course, enrol
from tests.security.world import make_user

WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""
# Links that merely go somewhere (http, https, mailto) are stopped, so clicking them keeps
# us on the page; javascript: and friends are left to run, which is the point.
STAY = """() => document.addEventListener('click', function (e) {
  var a = e.target.closest && e.target.closest('a[href]');
  if (a && /^(https?|mailto):/i.test(a.href)) e.preventDefault();
}, true)"""
SCAN = r"""() => {
  var bad = [];
  document.querySelectorAll('*').forEach(function (el) {
    Array.prototype.forEach.call(el.attributes, function (attr) {
      var name = attr.name.toLowerCase();
      if (name.indexOf('on') === 0) bad.push(el.tagName + ' ' + name);
      if (name === 'srcdoc') bad.push(el.tagName + ' srcdoc');
      if (['href', 'src', 'action', 'formaction', 'data', 'xlink:href'].indexOf(name) >= 0) {
        var url = attr.value.replace(/[\x00-\x20]/g, '').toLowerCase();
        if (/^(javascript|data|vbscript):/.test(url)) bad.push(el.tagName + ' ' + name + '=' + attr.value);
      }
    });
    if (el.tagName === 'SCRIPT' && !el.src) bad.push('inline SCRIPT');
    if (['IFRAME', 'FRAME', 'OBJECT', 'EMBED', 'BASE'].indexOf(el.tagName) >= 0) bad.push(el.tagName);
    if (['META', 'LINK', 'STYLE'].indexOf(el.tagName) >= 0 && el.closest('body')) bad.push(el.tagName + ' in body');
  });
  return bad;
}"""
CONTENT = ", ".join(
    f"{area} {control}"
    for area in (
        ".prose",
        ".option",
        ".explanation",
        ".preview-options",
        "legend",
        ".patient-panel",
    )
    for control in ("a", "button", "summary", "label", "input", "[tabindex]")
)
MAX_CLICKS = 12


@pytest.fixture(params=["csp-enforced", "csp-bypassed"])
def xss_page(request, browser):
    """A page that records dialogs; with ``csp-bypassed`` the browser ignores the CSP."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, bypass_csp=request.param == "csp-bypassed"
    )
    context.add_init_script(WATCH)
    # Nothing leaves the machine: a payload's remote script or stylesheet never loads.
    context.route(re.compile(r"^(?!http://127\.0\.0\.1[:/]).*"), lambda route: route.abort())
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.dialogs = []

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.csp_enforced = request.param == "csp-enforced"
    yield page
    context.close()


@pytest.fixture
def xss_world(live_app):
    instructor = make_user("instructor", name="<script>window.__xss=1</script> Ina")
    resident = make_user("resident", name=f"{MARK} Rex")
    classmate = make_user("resident", name='<svg onload="window.__xss=1"> Cleo')
    admin = make_user("admin", name='"><img src=x onerror=window.__xss=1> Ada')
    case = authoring.create_case(xss_case(), instructor, publish=True).case
    quiz = authoring.create_case(xss_quiz(), instructor, publish=True).case
    assert case.published_version_id and quiz.published_version_id, "the XSS texts must lint clean"
    course = create_course(instructor, title=f"Course {MARK}", leaderboard_visible=True)
    for user in (resident, classmate):
        enrol(course, user)
    for record in (case, quiz):
        courses_assign(course, record)
    attempt = play.start_attempt(classmate.id, case, course_id=course.id)
    play.advance(attempt.id, classmate.id, 0)
    play.decide(attempt.id, classmate.id, 1, "THP_DOCETAXEL")
    return {
        "instructor": instructor,
        "resident": resident,
        "admin": admin,
        "course": course.id,
        "case": case.slug,
        "quiz": quiz.slug,
    }


def courses_assign(course, record) -> None:
    from edu.models import Assignment

    db.session.add(Assignment(course_id=course.id, case_id=record.id))
    db.session.commit()


def check_page(page, where: str) -> None:
    """Assert nothing ran on the page, nothing dangerous is in it; then click its content."""
    page.wait_for_load_state()
    _assert_clean(page, where)
    if page.csp_enforced:
        return  # clicking is the sanitiser's test: the run without the CSP does it
    page.evaluate(STAY)
    controls = page.locator(CONTENT)
    count = min(controls.count(), MAX_CLICKS)
    for index in range(count):
        control = controls.nth(index)
        try:
            control.click(timeout=1_000, force=True, no_wait_after=True)
        except PlaywrightError:
            control.dispatch_event("click")
        page.wait_for_timeout(30)
        _assert_clean(page, f"{where}, after clicking content control {index}")


def _assert_clean(page, where: str) -> None:
    state = page.evaluate("() => [typeof window.__xss, typeof parent.__xss, window.__csp || []]")
    assert state[0] == "undefined" and state[1] == "undefined", f"a payload ran on {where}"
    assert page.dialogs == [], f"a dialog opened on {where}: {page.dialogs}"
    if page.csp_enforced:
        assert state[2] == [], f"the CSP had to block something on {where}: {state[2]}"
    assert page.evaluate(SCAN) == [], f"dangerous markup on {where}"


def start(page, base: str, marker: str) -> None:
    page.goto(f"{base}/play/")
    check_page(page, "the catalogue")
    page.locator(".catalog-entry", has_text=marker).get_by_role("button").first.click()
    page.wait_for_load_state()


def test_a_resident_plays_the_case_and_the_quiz(live_server, xss_page, xss_world):
    page, base = xss_page, live_server.url
    login(page, base, xss_world["resident"].email, PASSWORD)
    check_page(page, "the page after log-in")

    start(page, base, "XSS case")
    check_page(page, "the narrative node")
    page.get_by_role("button", name="Continue").click()
    check_page(page, "the decision node (question and option labels)")
    page.locator(".option input").first.check()
    page.get_by_role("button", name="Submit choice").click()
    check_page(page, "the feedback (teaching note)")
    page.get_by_role("link", name="See the debrief").click()
    check_page(page, "the debrief")

    start(page, base, "XSS quiz")
    check_page(page, "the quiz item (stem and choices)")
    page.locator(".option input").first.check()
    page.get_by_role("button", name="Submit choice").click()
    check_page(page, "the quiz feedback (explanation)")
    page.get_by_role("link", name="See the debrief").click()
    check_page(page, "the quiz debrief")

    course = xss_world["course"]
    for path in (
        "/play/progress",
        "/courses/",
        f"/courses/{course}",
        f"/courses/{course}/leaderboard",
    ):
        page.goto(base + path)
        check_page(page, path)


def test_an_instructor_opens_the_author_and_course_pages(live_server, xss_page, xss_world):
    page, base = xss_page, live_server.url
    login(page, base, xss_world["instructor"].email, PASSWORD)
    slug, course = xss_world["case"], xss_world["course"]
    for path in (
        "/author/",
        f"/author/{slug}/history",
        f"/author/{slug}/versions/1",
        f"/author/{slug}/diff",
        f"/author/{slug}/analytics",
        f"/author/{xss_world['quiz']}/edit",
        "/author/guideline-changes",
        f"/courses/{course}",
        f"/courses/{course}/leaderboard",
    ):
        page.goto(base + path)
        check_page(page, path)

    # The editor's live preview puts the server's sanitised HTML in with innerHTML.
    page.goto(f"{base}/author/{slug}/edit")
    check_page(page, "the editor")
    with page.expect_response(lambda r: r.url.endswith("/author/lint-preview")) as answer:
        page.locator("textarea").fill(xss_case() + "\n")
    assert answer.value.ok
    page.wait_for_function(
        "() => !document.querySelector('[data-editor]').hasAttribute('aria-busy')"
    )
    assert page.locator("[data-preview] .preview-node").count() >= 3
    check_page(page, "the editor's live preview")


def test_an_admin_opens_the_account_list(live_server, xss_page, xss_world):
    page, base = xss_page, live_server.url
    login(page, base, xss_world["admin"].email, PASSWORD)
    page.goto(f"{base}/admin/users")
    check_page(page, "the account list")


# --- controls: the detectors fire when a payload does reach a page -------------------------


def test_control_the_sentinel_catches_a_payload_that_runs(browser):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.set_content('<img src="x:y" onerror="window.__xss=1">')
    page.wait_for_function("() => window.__xss === 1")
    page.set_content('<a id="l" href="javascript:window.__xss=2">x</a>')
    page.click("#l")
    page.wait_for_function("() => window.__xss === 2")
    context.close()


def test_control_the_csp_blocks_and_reports_an_injected_handler(live_server, browser):
    context = browser.new_context()
    context.add_init_script(WATCH)
    page = context.new_page()
    page.goto(f"{live_server.url}/auth/login")
    page.evaluate(
        "() => document.body.insertAdjacentHTML('beforeend', "
        '\'<img src="/no-such.png" onerror="window.__xss=1">\')'
    )
    page.wait_for_function("() => window.__csp.length > 0")
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert any("script-src" in v for v in page.evaluate("window.__csp"))
    assert page.evaluate(SCAN) == ["IMG onerror"]
    context.close()
