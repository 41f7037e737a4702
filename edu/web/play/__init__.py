from edu.web.play.routes import bp

__all__ = ["bp"]
