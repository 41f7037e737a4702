"""HTTP security headers and the Content-Security-Policy.

No page carries inline script: every script is a file under static/, so the policy can
forbid inline script outright and an injected ``<script>`` or ``onerror=`` cannot run.
"""

from flask import Flask
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

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
