"""Safe redirect targets: only paths on this site, never another host."""

from urllib.parse import urlsplit


def safe_next(target: str | None, fallback: str) -> str:
    """Return ``target`` if it is a local path, else ``fallback`` (blocks open redirects)."""
    if not target:
        return fallback
    target = target.strip().replace("\\", "/")
    parts = urlsplit(target)
    # "//evil.example" and "https://evil.example" both carry a netloc or scheme.
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if any(ord(ch) < 32 for ch in target):
        return fallback
    return target
