from edu.web.author.routes import bp

__all__ = ["bp"]
