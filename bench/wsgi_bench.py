"""WSGI entry point for the request-path benchmark: ``gunicorn bench.wsgi_bench:app``.

The real application, configured from the environment exactly as ``wsgi.py`` is, plus one
route, ``GET /bench/hello``, on a blueprint registered only here (never in edu itself). It
runs through the same server, the same app and the same before/after-request hooks
(security headers, session, rate limiter) as the real pages, so its throughput is the
ceiling the real routes are compared with, measured in the same run.
"""

from flask import Blueprint, Flask

from edu import create_app

hello = Blueprint("bench_hello", __name__)


@hello.route("/bench/hello")
def hello_route() -> str:
    """The cheapest page this server can answer: the framework's own cost."""
    return "hello"


def make_app() -> Flask:
    """The real app, from the environment, with the hello route added."""
    application = create_app()
    application.register_blueprint(hello)
    return application


app = make_app()
