"""HTTP security headers and the Content-Security-Policy.

No page carries inline script: every script is a file under static/, so the policy can
forbid inline script outright and an injected ``<script>`` or ``onerror=`` cannot run.
"""

from flask import Flask, current_app, g, session
from flask_talisman import Talisman
from flask_wtf.csrf import generate_csrf
from werkzeug.middleware.proxy_fix import ProxyFix

from edu.services.memo import BoundedCache

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    # Only our own images: the sanitiser drops data: URLs, and the policy backs it up so a
    # slip could neither draw a fake page in a data: image nor beacon to another host.
    "img-src": "'self'",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

talisman = Talisman()


def init_app(app: Flask) -> None:
    production = app.config.get("EDU_ENV") == "production"
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # Behind nginx every request comes from 127.0.0.1: without this, the log-in rate
        # limit would count the whole residency programme as one client.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    talisman.init_app(
        app,
        # Behind a TLS-terminating proxy in production; plain HTTP is fine on a laptop.
        force_https=production,
        strict_transport_security=production,
        session_cookie_secure=production,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )
    if app.config.get("WTF_CSRF_TIME_LIMIT", 3600) is None:
        app.jinja_env.globals["csrf_token"] = csrf_token
        app.context_processor(lambda: {"csrf_token": csrf_token})  # after Flask-WTF's: wins


# Signed CSRF tokens by (secret key, the session's raw token): see csrf_token.
_SIGNED_TOKENS: BoundedCache[str] = BoundedCache(8192)


def csrf_token() -> str:
    """Flask-WTF's CSRF token for this session, signed once per process instead of once per
    page.

    Flask-WTF signs the session's raw token, with a timestamp, for every request that
    renders a form: a tenth of a cheap page's cost. With ``WTF_CSRF_TIME_LIMIT = None``
    (edu's setting: the token lives as long as the session) the timestamp is never checked,
    so a token signed earlier for the same raw token and key validates exactly as a fresh
    one would; only then is this the templates' ``csrf_token``. A session without a raw
    token yet, and every miss, go through ``generate_csrf`` itself.
    """
    # A page asks once per form: after the first, this request's token as generate_csrf
    # keeps it.
    if "csrf_token" in g:
        return g.csrf_token
    raw = session.get("csrf_token")
    if raw is None:
        return generate_csrf()
    key = (current_app.secret_key, raw)
    signed = _SIGNED_TOKENS.get(key)
    if signed is None:
        return _SIGNED_TOKENS.put(key, generate_csrf())
    g.csrf_token = signed  # what generate_csrf keeps for the rest of the request
    return signed
