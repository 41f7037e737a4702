"""Browser fixtures: the app on a free loopback port and Debian's Chromium via Playwright.

Never ``playwright install``: our machines drive /usr/bin/chromium. When the browser is
missing the tests skip, unless EDU_REQUIRE_BROWSER=1 (CI), where a missing browser fails.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("EDU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"


def pytest_collection_modifyitems(items):
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(item.fspath).resolve().parents:
            item.add_marker(pytest.mark.browser)


def _missing(reason: str):
    if os.environ.get("EDU_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (EDU_REQUIRE_BROWSER=1: browser tests may not be skipped)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        _missing(f"no browser at {CHROMIUM}: install Debian's chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


class LiveServer:
    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> LiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


@pytest.fixture
def live_app(csrf_app):
    """The app the live server runs: CSRF on, as in production, on an emptied database."""
    return csrf_app


@pytest.fixture
def live_server(live_app):
    server = LiveServer(live_app).start()
    yield server
    server.stop()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    p = context.new_page()
    p.set_default_timeout(10_000)
    yield p
    p.close()


@pytest.fixture
def phone_page(browser):
    """A 375 px wide page, the width of a small phone."""
    ctx = browser.new_context(
        viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
    )
    p = ctx.new_page()
    p.set_default_timeout(10_000)
    yield p
    ctx.close()


def run_axe(page) -> list[dict]:
    """Inject axe-core and return the serious and critical violations on the page."""
    if not AXE.exists():
        _missing("axe-core is not installed: run `npm install` in tests/browser")
    # Evaluated through the DevTools protocol: a <script> tag would be blocked by our own CSP.
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


def follow(locator) -> None:
    """Click a link or a submit button and return once the page it leads to has loaded.

    A bare ``click()`` can return while the old document is being replaced; reading or
    reloading the page then races the navigation (seen in CI as "Not attached to an active
    page" from ``reload()`` and a null ``documentElement`` from ``evaluate()``).
    """
    with locator.page.expect_navigation():
        locator.click()


def login(page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    follow(page.get_by_role("button", name="Log in"))
