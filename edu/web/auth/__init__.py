"""Log-in, log-out and registration."""

from edu.web.auth.routes import bp

__all__ = ["bp"]
