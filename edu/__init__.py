"""edu: branching clinical-decision cases scored against an executable guideline.

``create_app`` only configures and registers things: it makes no network call, runs no
migration and loads no data, so tests and the CLI can build an app cheaply. Loading the
case library is the ``flask cases sync`` command; schema changes are ``flask db upgrade``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from edu.config import PROJECT_ROOT, load_config


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Return a configured application.

    :param config: settings that override the environment (tests pass a mapping here).
    """
    instance_path = Path(os.environ.get("EDU_INSTANCE_PATH", PROJECT_ROOT / "instance"))
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(load_config(instance_path, overrides=config or {}))
    _init_extensions(app)
    _register_blueprints(app)
    _register_cli(app)
    return app


def _init_extensions(app: Flask) -> None:
    from edu.extensions import (
        csrf,
        db,
        init_db,
        init_sqlite_pragmas,
        limiter,
        login_manager,
        migrate,
    )
    from edu.web import security

    init_db(app)
    init_sqlite_pragmas(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    security.init_app(app)

    from edu.models.users import configure_password_hashing
    from edu.web.access import load_signed_in_user

    configure_password_hashing(app.config["PASSWORD_HASH_METHOD"])
    login_manager.user_loader(load_signed_in_user)
    _share_a_connection_per_request(app)


def _share_a_connection_per_request(app: Flask) -> None:
    """Each request's statements outside the ORM session (the signed-in user's read, a
    decision's read and write) share one pooled connection, given back when the request
    ends (``edu.services.prepared.sharing_a_connection``)."""
    from edu.services.prepared import sharing_a_connection

    serve = app.wsgi_app

    def wsgi_app(environ, start_response):
        with sharing_a_connection():
            return serve(environ, start_response)

    app.wsgi_app = wsgi_app


# Every blueprint, listed in one place (no auto-discovery), with its URL prefix.
BLUEPRINTS = (
    ("edu.web.main", None),
    ("edu.web.auth", "/auth"),
    ("edu.web.play", "/play"),
    ("edu.web.author", "/author"),
    ("edu.web.courses", "/courses"),
    ("edu.web.admin", "/admin"),
)


def _register_blueprints(app: Flask) -> None:
    from importlib import import_module

    from edu.web import fragments
    from edu.web.errors import init_app as init_errors

    for module, prefix in BLUEPRINTS:
        app.register_blueprint(import_module(module).bp, url_prefix=prefix)
    init_errors(app)
    fragments.init_app(app)


def _register_cli(app: Flask) -> None:
    from edu.cli.cases import cases_cli
    from edu.cli.demo import demo_cli
    from edu.cli.export import export_cli
    from edu.cli.guideline import guideline_cli
    from edu.cli.library import sync_command

    if "sync" not in cases_cli.commands:
        cases_cli.add_command(sync_command)
    for group in (cases_cli, demo_cli, export_cli, guideline_cli):
        app.cli.add_command(group)
