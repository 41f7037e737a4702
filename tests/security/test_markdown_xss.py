"""The Markdown renderer's output over the XSS corpus: nothing in it can run.

What may come out is the allow-list of :mod:`edu.cases.render`: prose tags, links and
images with http(s)/mailto or relative URLs, and a few plain attributes. We decide: **no
data: URLs at all**, not even for images (an ``<img>`` of an SVG cannot run script, but a
data: image can still draw a fake form, and authors have no need for one).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edu.cases import render_markdown
from edu.cases.render import _clean, sanitiser_changes
from tests.security.xss_corpus import INERT, PAYLOADS

SAFE_SCHEMES = {"http", "https", "mailto"}
ALLOWED_ATTRIBUTES = {"href", "src", "title", "alt", "start", "align", "rel"}
URL_ATTRIBUTES = {"href", "src"}
NEVER = {
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "svg",
    "math", "form", "input", "button", "textarea", "select", "option", "base", "meta",
    "link", "noscript", "template", "xmp", "details", "video", "audio", "source", "body",
    "html", "head", "isindex", "marquee",
}  # fmt: skip
# Browsers drop leading/trailing C0 controls and spaces, and every tab or newline, from a
# URL before they read its scheme: "jav\tascript:" is "javascript:" to them.
_URL_NOISE = re.compile(r"[\x00-\x20]")


def scheme_of(url: str) -> str | None:
    cleaned = _URL_NOISE.sub("", url)
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", cleaned)
    return match[1].lower() if match else None


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))

    handle_startendtag = handle_starttag


def problems_in(fragment: str) -> list[str]:
    """What in ``fragment`` (sanitised HTML) could run script or load a data: URL."""
    parser = _Elements()
    parser.feed(fragment)
    parser.close()
    problems = []
    for tag, attrs in parser.found:
        if tag in NEVER:
            problems.append(f"<{tag}>")
        for name, value in attrs:
            if name not in ALLOWED_ATTRIBUTES or name.startswith("on"):
                problems.append(f"{name}= on <{tag}>")
            if name in URL_ATTRIBUTES and value is not None:
                scheme = scheme_of(value)
                if scheme is not None and scheme not in SAFE_SCHEMES:
                    problems.append(f"{name}={value!r} on <{tag}>")
    return problems


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_no_payload_survives_the_renderer(name):
    rendered = render_markdown(PAYLOADS[name])
    assert problems_in(rendered) == [], rendered


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_no_payload_survives_inside_other_markdown(name):
    text = f"Intro with a [fine link](https://example.org/).\n\n- item {PAYLOADS[name]}\n\n> quote {PAYLOADS[name]}\n\n**{PAYLOADS[name]}**"
    rendered = render_markdown(text)
    assert problems_in(rendered) == [], rendered


@pytest.mark.parametrize("name", sorted(set(PAYLOADS) - INERT))
def test_the_linter_warns_the_author_about_each_payload(name):
    # An author who pastes one of these learns that learners will not get it.
    assert sanitiser_changes(PAYLOADS[name]), name


@pytest.mark.parametrize("name", sorted(PAYLOADS))
def test_sanitised_output_is_a_fixed_point(name):
    # Output that changes when it is parsed and cleaned again is how mutation XSS starts:
    # the browser's parse of it would differ from the sanitiser's.
    once = render_markdown(PAYLOADS[name])
    assert _clean(once) == once


def test_links_the_author_means_are_kept_and_cannot_reach_the_opener():
    rendered = render_markdown(
        "See [the trial](https://example.org/cleopatra) or [mail](mailto:a@b.edu)."
    )
    assert 'href="https://example.org/cleopatra"' in rendered
    assert 'href="mailto:a@b.edu"' in rendered
    assert 'rel="noopener noreferrer"' in rendered


@pytest.mark.parametrize("url", ["data:image/png;base64,iVBORw0KGgo=", "javascript:x"])
def test_no_data_or_script_image_is_kept(url):
    assert "src=" not in render_markdown(f"![chart]({url})")


def test_the_detector_itself_finds_what_it_must():
    # A guard for problems_in: without it a broken parser would pass everything.
    assert problems_in('<a href="jav\tascript:x">') == ["href='jav\\tascript:x' on <a>"]
    assert problems_in("<img src=x onerror=y>") == ["onerror= on <img>"]
    assert problems_in("<svg></svg>") == ["<svg>"]
    assert problems_in('<a href="/local" title="t">') == []


FRAGMENTS = [*PAYLOADS.values(), "*", "**", "_", "`", "[", "]", "(", ")", "<", ">", "\n", "\n\n", "- ", "> ", "&", "&#", ";", '"', "'", "=", "javascript:", "data:", "on", "x", " "]  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=12))
def test_any_mix_of_payloads_and_markdown_stays_safe(parts):
    assert problems_in(render_markdown("".join(parts))) == []
