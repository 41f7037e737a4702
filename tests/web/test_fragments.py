"""Page fragments rendered once per distinct arguments, and the layout's cached links."""

from __future__ import annotations

import pytest
from flask import render_template_string

from edu.web import fragments
from edu.web.main.routes import site_links


@pytest.fixture
def counted_renders(app, monkeypatch):
    """Count how often the fragment templates are really rendered."""
    fragments.clear()
    calls = []
    environment = app.jinja_env
    original = environment.get_template

    def get_template(name, *args, **kwargs):
        template = original(name, *args, **kwargs)
        if name.startswith("play/_"):
            calls.append(name)
        return template

    monkeypatch.setattr(environment, "get_template", get_template)
    yield calls
    fragments.clear()


def test_the_same_arguments_render_once(app, counted_renders):
    with app.test_request_context():
        first = fragments.fragment("play/_node_text.html", title="Cycles", body_html="<p>x</p>")
        second = fragments.fragment("play/_node_text.html", title="Cycles", body_html="<p>x</p>")
    assert first is second
    assert counted_renders == ["play/_node_text.html"]
    assert "<h1>Cycles</h1>" in first and "<p>x</p>" in first


def test_any_other_argument_is_a_different_fragment(app, counted_renders):
    with app.test_request_context():
        one = fragments.fragment("play/_node_text.html", title="Cycles", body_html="<p>a</p>")
        other = fragments.fragment("play/_node_text.html", title="Cycles", body_html="<p>b</p>")
        renamed = fragments.fragment("play/_node_text.html", title="Maintenance", body_html="<p>a</p>")
    assert len(counted_renders) == 3
    assert "<p>a</p>" in one and "<p>b</p>" in other and "Maintenance" in renamed


def test_arguments_are_escaped_as_in_the_page(app, counted_renders):
    with app.test_request_context():
        html = fragments.fragment(
            "play/_node_options.html", question_html="", options=(("A", "<script>x</script>"),)
        )
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_with_template_auto_reload_nothing_is_kept(app, counted_renders):
    app.jinja_env.auto_reload = True
    try:
        with app.test_request_context():
            for _ in range(2):
                fragments.fragment("play/_node_text.html", title="T", body_html="")
    finally:
        app.jinja_env.auto_reload = False
    assert counted_renders == ["play/_node_text.html"] * 2


def test_a_fragment_is_usable_from_any_template(app):
    with app.test_request_context():
        page = render_template_string(
            "{{ fragment('play/_node_text.html', title='Brain metastases', body_html='') }}"
        )
    assert "<h1>Brain metastases</h1>" in page


def test_the_navigation_follows_the_role_of_each_request(client, login_as):
    login_as("resident")
    page = client.get("/play/").get_data(as_text=True)
    assert 'href="/play/"' in page and ">Author<" not in page and ">Admin<" not in page
    client.post("/auth/logout")
    login_as("instructor")
    page = client.get("/play/").get_data(as_text=True)
    assert ">Author<" in page and ">Admin<" not in page
    client.post("/auth/logout")
    login_as("admin")
    page = client.get("/play/").get_data(as_text=True)
    assert ">Author<" in page and ">Admin<" in page


def test_layout_links_follow_the_mount_point(app):
    with app.test_request_context("/", base_url="http://example.org/edu/"):
        mounted = site_links()
    with app.test_request_context("/"):
        root = site_links()
    assert mounted.css.startswith("/edu/static/") and mounted.logout == "/edu/auth/logout"
    assert root.css.startswith("/static/") and root.logout == "/auth/logout"
