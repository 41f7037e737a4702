"""Start page, health check and the site navigation."""

from edu.web.main.routes import bp

__all__ = ["bp"]
