"""Security headers, CSRF and error pages."""

import pytest

from tests.factories import PASSWORD, create_user


def test_pages_carry_a_content_security_policy_without_inline_script(client):
    response = client.get("/auth/login")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_templates_contain_no_inline_script_or_handlers():
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    for template in root.rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert not re.search(r"\son[a-z]+=", text), template


def test_session_cookie_is_httponly_and_samesite(client):
    user = create_user()
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_a_form_post_without_a_csrf_token_is_refused(csrf_app):
    client = csrf_app.test_client()
    user = create_user()
    response = client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)


@pytest.mark.parametrize("accept", ["text/html", "application/json"])
def test_not_found_answers_in_the_format_asked_for(client, accept):
    response = client.get("/no/such/page", headers={"Accept": accept})
    assert response.status_code == 404
    if accept == "application/json":
        assert response.get_json()["status"] == 404
    else:
        assert "There is no page at this address" in response.get_data(as_text=True)
        assert 'class="site-header"' in response.get_data(as_text=True)


def test_health_check_reports_ok(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_an_unexpected_error_shows_the_sites_own_500_page(database_url):
    from tests.conftest import make_test_app

    app = make_test_app(database_url, TESTING=False)

    @app.route("/boom")
    def boom():
        raise RuntimeError("unexpected")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong" in page
    assert "RuntimeError" not in page
    assert 'class="site-header"' in page
