"""The smallest proof that a real browser can use the site."""

from tests.browser.conftest import login, run_axe
from tests.factories import PASSWORD, create_user


def test_resident_logs_in_through_the_real_page(live_server, page):
    user = create_user("resident", name="Rosa Resident")
    login(page, live_server.url, user.email, PASSWORD)
    assert "/auth/login" not in page.url
    assert page.get_by_role("button", name="Log out").is_visible()
    assert "Rosa Resident" in page.content()


def test_wrong_password_shows_a_message_that_does_not_reveal_the_account(live_server, page):
    user = create_user("resident")
    login(page, live_server.url, user.email, "not-the-password")
    assert "/auth/login" in page.url
    message = page.locator(".flash-error").inner_text()
    login(page, live_server.url, "nobody@nowhere.test", "whatever-password")
    assert page.locator(".flash-error").inner_text() == message


def test_login_page_has_no_serious_accessibility_violations(live_server, page):
    page.goto(f"{live_server.url}/auth/login")
    assert run_axe(page) == []


def test_login_page_fits_a_phone_screen(live_server, phone_page):
    phone_page.goto(f"{live_server.url}/auth/login")
    overflow = phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
