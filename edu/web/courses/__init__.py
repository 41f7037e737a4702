from edu.web.courses.routes import bp

__all__ = ["bp"]
