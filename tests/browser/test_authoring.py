"""The authoring flow in Chromium: edit → lint error at its line → fix → preview → publish →
a resident plays the new version."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from edu.extensions import db
from edu.models import Attempt
from edu.services import authoring
from tests.author_helpers import BASIC, BROKEN, BROKEN_LINE, make_user, play_through
from tests.browser.conftest import login, run_axe
from tests.factories import PASSWORD

SLUG = "author-basic"
REVISED = BASIC.replace("A fit patient", "A fit, newly revised patient")


@pytest.fixture
def owned_case(live_app):
    owner = make_user("instructor")
    case = authoring.create_case(BASIC, owner).case
    authoring.publish(case, authoring.latest_version(case))
    return owner, case


def caret_line(page) -> int:
    return page.evaluate(
        "() => { const t = document.querySelector('textarea.editor-text');"
        " return t.value.slice(0, t.selectionStart).split('\\n').length; }"
    )


def test_edit_lint_fix_preview_publish_then_a_resident_plays_it(live_server, page, owned_case):
    owner, case = owned_case
    base = live_server.url
    login(page, base, owner.email, PASSWORD)
    page.goto(f"{base}/author/{SLUG}/edit")
    expect(page.locator(".status-line")).to_contain_text("Published: version 1")
    editor = page.locator("textarea.editor-text")

    # 1. A mistake: the live lint panel shows the error at its line.
    editor.fill(BROKEN)
    error = page.locator(".lint-item.lint-error")
    expect(error).to_contain_text(f"Line {BROKEN_LINE}")
    expect(error).to_contain_text("nowhere")
    expect(page.get_by_role("button", name="Save and publish")).to_be_disabled()
    # ... and its message moves the caret to that line.
    error.get_by_role("link", name=f"Line {BROKEN_LINE}").click()
    assert caret_line(page) == BROKEN_LINE
    expect(page.locator(f"#line-{BROKEN_LINE}")).to_be_visible()

    # 2. The fix: lint is clean and the preview shows the new text.
    editor.fill(REVISED)
    expect(page.locator("[data-lint-summary]")).to_contain_text("No errors")
    expect(page.locator(".lint-item.lint-error")).to_have_count(0)
    expect(page.locator("[data-preview]")).to_contain_text("newly revised patient")

    # 3. Save a draft and play it as a learner: nothing is scored.
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator(".flash")).to_contain_text("Saved as draft version 2")
    expect(page.locator(".status-line")).to_contain_text("Draft: version 2")
    page.get_by_role("button", name="Play as learner").click()
    expect(page).to_have_url(re.compile(r"/play/attempts/\d+$"))
    expect(page.locator("main")).to_contain_text("newly revised patient")

    # 4. Publish it.
    page.goto(f"{base}/author/{SLUG}/edit")
    page.get_by_role("button", name="Publish version 2").click()
    expect(page.locator(".flash")).to_contain_text("Version 2 is published")
    expect(page.locator(".status-line")).to_contain_text("Published: version 2")

    # 5. A resident plays the new version.
    page.get_by_role("button", name="Log out").click()
    resident = make_user("resident")
    login(page, base, resident.email, PASSWORD)
    page.goto(f"{base}/play/")
    page.get_by_role("button", name=re.compile("Start")).click()
    expect(page.locator("main")).to_contain_text("newly revised patient")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label(re.compile("Pertuzumab \\+ trastuzumab \\+ docetaxel")).check()
    page.get_by_role("button", name="Submit choice").click()
    expect(page.locator("main")).to_contain_text("Preferred")

    db.session.expire_all()
    attempts = list(db.session.scalars(select(Attempt).order_by(Attempt.id)))
    preview, played = attempts
    assert preview.preview and not preview.choices
    assert (played.user_id, played.preview) == (resident.id, False)
    assert played.case_version_id == authoring.get_version(case, 2).id


def test_without_javascript_check_shows_lint_and_preview(live_server, browser, owned_case):
    owner, _ = owned_case
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        login(page, live_server.url, owner.email, PASSWORD)
        page.goto(f"{live_server.url}/author/{SLUG}/edit")
        page.locator("textarea.editor-text").fill(BROKEN)
        page.get_by_role("button", name="Check").click()
        expect(page.locator(".lint-item.lint-error")).to_contain_text(f"Line {BROKEN_LINE}")
        expect(page.locator(f"#line-{BROKEN_LINE}")).to_have_count(1)
        expect(page.locator("[data-preview]")).to_contain_text("Which first-line regimen")
    finally:
        context.close()


def test_author_pages_have_no_serious_accessibility_violations(live_server, page, owned_case):
    owner, case = owned_case
    play_through(make_user().id, case, ["TH_TAXANE", "LVEF_ONLY_IF_SYMPTOMS"])
    authoring.save_draft(case, REVISED, owner)
    login(page, live_server.url, owner.email, PASSWORD)
    for path in (
        "/author/",
        f"/author/{SLUG}/edit",
        f"/author/{SLUG}/history",
        f"/author/{SLUG}/diff",
        f"/author/{SLUG}/analytics",
        f"/author/{SLUG}/versions/2",
        "/author/upload",
        "/author/new",
        "/author/guideline-changes",
    ):
        page.goto(live_server.url + path)
        assert run_axe(page) == [], path


def test_the_editor_and_analytics_fit_a_phone(live_server, phone_page, owned_case):
    owner, case = owned_case
    play_through(make_user().id, case, ["THP_DOCETAXEL", "LVEF_ONLY_IF_SYMPTOMS"])
    login(phone_page, live_server.url, owner.email, PASSWORD)
    for path in (f"/author/{SLUG}/edit", f"/author/{SLUG}/analytics", f"/author/{SLUG}/history"):
        phone_page.goto(live_server.url + path)
        overflow = phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, path
