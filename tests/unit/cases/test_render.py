"""Rendering author Markdown to sanitised HTML."""

from __future__ import annotations

import time

import pytest

from edu.cases import render_markdown
from edu.cases.render import _render_cached, sanitiser_changes, too_complex

ATTACKS = [
    "<script>alert(1)</script>",
    '<img src="x" onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click]( javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    "![x](javascript:alert(1))",
    '<iframe src="https://evil.example"></iframe>',
    '<div onclick="alert(1)">x</div>',
    '<svg onload="alert(1)"><circle/></svg>',
    "<style>body{display:none}</style>",
    '<span style="background:url(javascript:alert(1))">x</span>',
    '<form action="https://evil.example"><input name="x"></form>',
    "[x]: javascript:alert(1)\n\n[link][x]",
    '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
]


@pytest.mark.parametrize("text", ATTACKS)
def test_no_script_handler_or_javascript_url_survives(text):
    html = render_markdown(text).lower()
    assert "<script" not in html
    assert "javascript:" not in html
    assert "vbscript:" not in html
    assert "data:" not in html
    for handler in ("onerror", "onload", "onclick"):
        assert handler not in html
    for tag in ("<iframe", "<style", "<form", "<input", "<svg"):
        assert tag not in html


@pytest.mark.parametrize("text", ATTACKS)
def test_the_linter_sees_what_the_sanitiser_strips(text):
    assert sanitiser_changes(text)


def test_markdown_features_survive():
    html = render_markdown(
        "Some **bold** and *em*.\n\n- one\n- two\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n"
        "[link](https://example.org)"
    )
    assert "<strong>bold</strong>" in html
    assert "<em>em</em>" in html
    assert "<li>one</li>" in html
    assert '<th align="left">a</th>' in html
    assert 'href="https://example.org"' in html
    assert 'rel="noopener noreferrer"' in html


@pytest.mark.parametrize(
    "text",
    [
        "Plain text with a [CLEOPATRA] citation.",
        "a < b and c & d",
        "**bold** [link](https://example.org) [mail](mailto:x@example.org)",
        "| a | b |\n|---|---|\n| 1 | 2 |",
        "<b>bold</b> and <em>em</em>",
    ],
)
def test_harmless_text_causes_no_warning(text):
    assert sanitiser_changes(text) == []


def test_rendering_is_cached_per_text():
    _render_cached.cache_clear()
    render_markdown("cached *text*")
    render_markdown("cached *text*")
    assert _render_cached.cache_info().hits == 1


def test_deeply_nested_markdown_does_not_raise():
    html = render_markdown(">" * 3000 + " deep")
    assert "deep" in html


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        "*[" * 50_000,
        "\\[" * 50_000,
        "<http://" * 20_000,
        "a\n" * 60_000,
        ("ok paragraph\n\n" * 10) + "![" * 5_000,
    ],
    ids=["brackets", "star-brackets", "escaped-brackets", "autolinks", "long", "late"],
)
def test_pathological_markdown_renders_fast_as_plain_text(text):
    start = time.perf_counter()
    html = render_markdown(text)
    assert time.perf_counter() - start < 1
    assert html.startswith("<p>")
    assert too_complex(text)
    assert sanitiser_changes(text) == []


def test_dense_but_reasonable_prose_is_rendered():
    text = " ".join(f"**item {i}** [CLEOPATRA]" for i in range(40))
    assert too_complex(text) is None
    assert "<strong>item 0</strong>" in render_markdown(text)
