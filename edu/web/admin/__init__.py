from edu.web.admin.routes import bp

__all__ = ["bp"]
