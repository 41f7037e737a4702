"""Parts of pages that depend only on what they are given, rendered once and reused.

A node's text, its options, the patient panel and the body of a feedback page are the same
for every learner who reaches them by the same path: a class playing a case together sees
the same few dozen of them. ``fragment("play/_node_text.html", title=..., body_html=...)``
renders such a template the first time and hands back the same HTML for the same
arguments after that, so a play page renders only what is the learner's own (the form
addresses, the CSRF token, the step).

The key is the template's name and every argument, so nothing else may reach the output: a
fragment template reads only its arguments (no ``request``, ``current_user``,
``url_for`` or ``csrf_token``). The arguments must be hashable (strings, numbers, tuples,
frozen dataclasses). With template auto-reload on (debug), nothing is kept, so an edited
template shows at once.
"""

from __future__ import annotations

from flask import Flask, current_app
from markupsafe import Markup

from edu.services.memo import BoundedCache

_RENDERED: BoundedCache[Markup] = BoundedCache(4096)


def fragment(template: str, **arguments) -> Markup:
    """The HTML of ``template`` rendered with ``arguments``: once per distinct arguments."""
    environment = current_app.jinja_env
    if environment.auto_reload:
        return Markup(environment.get_template(template).render(**arguments))
    key = (template, *arguments.items())
    html = _RENDERED.get(key)
    if html is None:
        html = _RENDERED.put(key, Markup(environment.get_template(template).render(**arguments)))
    return html


def clear() -> None:
    _RENDERED.clear()


def init_app(app: Flask) -> None:
    app.jinja_env.globals["fragment"] = fragment
