"""WSGI entry point: ``gunicorn wsgi:app``."""

from edu import create_app

app = create_app()
