"""Markdown to safe HTML: the ``markdown`` package, then the ``nh3`` sanitiser.

Case text is written by instructors and shown to every learner, so it is treated as
untrusted: whatever Markdown or raw HTML it holds, no script, event handler, style or
``javascript:`` URL reaches a page. Rendering is cached by text: a case version's text
never changes, so each piece is rendered once per content version.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from functools import lru_cache
from html.parser import HTMLParser

import markdown
import nh3

#: Tags Markdown produces for prose, lists, tables and links; nothing interactive.
ALLOWED_TAGS = frozenset(
    {
        "a",
        "abbr",
        "b",
        "blockquote",
        "br",
        "code",
        "dd",
        "del",
        "dl",
        "dt",
        "em",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "i",
        "img",
        "li",
        "ol",
        "p",
        "pre",
        "strong",
        "sub",
        "sup",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    }
)
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "td": {"align"},
    "th": {"align"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
#: Links written by authors open with no access to the page that opened them.
LINK_REL = "noopener noreferrer"
_UNSAFE_LINK = re.compile(
    r"\]\s*[(:]\s*<?\s*(?!(?:https?|mailto):)[a-z][a-z0-9+.-]*:", re.IGNORECASE
)
#: Limits per paragraph (text between blank lines); see :func:`too_complex`.
MAX_PARAGRAPH_CHARS = 4_000
MAX_PARAGRAPH_MARKS = 300
#: Texts longer than this are rendered without caching.
MAX_CACHED_CHARS = 16 * 1024
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_MARKS = re.compile(r"[\[\]*_`<>&\\!]")
_EXTENSIONS = ("tables", "sane_lists")
# Older attribute-style alignment keeps tables free of inline ``style``, which we never allow.
_EXTENSION_CONFIGS = {"tables": {"use_align_attribute": True}}


def _to_html(text: str) -> str:
    """Markdown to unsanitised HTML (never shown; the sanitiser always runs after)."""
    return markdown.markdown(text, extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS)


def _clean(raw_html: str, link_rel: str | None = LINK_REL) -> str:
    return nh3.clean(
        raw_html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=link_rel,
        strip_comments=True,
    )


def too_complex(text: str) -> str | None:
    """Return why ``text`` is too long or dense for the Markdown renderer, or None.

    Python-Markdown's inline patterns backtrack: a paragraph of a few thousand ``[`` or
    ``*[`` takes seconds, and a 256 KiB one hours. Real prose stays far below these
    limits, so a paragraph above them is refused (lint error) and shown as plain text.
    """
    for paragraph in _PARAGRAPH_BREAK.split(text):
        if len(paragraph) > MAX_PARAGRAPH_CHARS:
            return (
                f"a paragraph of {len(paragraph):,} characters "
                f"(the limit is {MAX_PARAGRAPH_CHARS:,})"
            )
        marks = len(_MARKS.findall(paragraph))
        if marks > MAX_PARAGRAPH_MARKS:
            return (
                f"a paragraph with {marks} Markdown marks ([ ] * _ ` < > & \\ !; "
                f"the limit is {MAX_PARAGRAPH_MARKS})"
            )
    return None


def _plain(text: str) -> str:
    """Text as escaped paragraphs, for what the Markdown renderer cannot take."""
    return "".join(
        f"<p>{html.escape(paragraph.strip())}</p>"
        for paragraph in _PARAGRAPH_BREAK.split(text)
        if paragraph.strip()
    )


def render_markdown(text: str) -> str:
    """Return ``text`` (author Markdown) as sanitised HTML, safe to mark as safe in a template.

    Never raises and never takes long: text too long, dense or deeply nested for the
    Markdown parser is shown as escaped plain paragraphs (the linter reports it).
    """
    if len(text) > MAX_CACHED_CHARS:
        return _render(text)  # rare, large texts would crowd the cache out
    return _render_cached(text)


def _render(text: str) -> str:
    if too_complex(text):
        return _plain(text)
    try:
        raw_html = _to_html(text)
    except RecursionError:
        return _plain(text)
    return _clean(raw_html)


# Keyed by the text itself, so a case version's text (which never changes) is rendered
# once per process, and an edited text simply misses.
_render_cached = lru_cache(maxsize=4096)(_render)


def sanitiser_changes(text: str) -> list[str]:
    """Return what the sanitiser would remove from ``text``'s HTML (empty when nothing).

    The linter warns with this list, so an author learns that the raw HTML they wrote
    will not reach learners. Link ``rel`` attributes, which we add, do not count.
    """
    if too_complex(text):
        return []  # rendered as plain escaped text; lint reports the size instead
    if "<" not in text and "&" not in text and not _UNSAFE_LINK.search(text):
        # Rendering every block would make linting a library slow; without raw HTML, an
        # entity or a link to another URL scheme, Markdown produces nothing to strip.
        return []
    try:
        raw_html = _to_html(text)
    except RecursionError:
        return []  # rendered as plain escaped text
    before = _Inventory.of(raw_html)
    after = _Inventory.of(_clean(raw_html, link_rel=None))
    removed = list((Counter(before.items) - Counter(after.items)).elements())
    if before.comments > after.comments:
        removed.append("HTML comment")
    return list(dict.fromkeys(removed))


class _Inventory(HTMLParser):
    """The tags and attributes of an HTML fragment, to compare before and after cleaning."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.items: list[str] = []
        self.comments = 0

    @classmethod
    def of(cls, fragment: str) -> _Inventory:
        inventory = cls()
        inventory.feed(fragment)
        inventory.close()
        return inventory

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.items.append(f"<{tag}>")
        for name, value in attrs:
            self.items.append(
                f"{name}= on <{tag}>" if value is None else f'{name}="{value}" on <{tag}>'
            )

    def handle_comment(self, data: str) -> None:
        self.comments += 1
