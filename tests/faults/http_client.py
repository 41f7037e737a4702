"""A small HTTP client for the fault tests: one connection per request, cookies, no redirects.

The standard library only (no requests in the project). One connection per request, so
a worker killed mid-request breaks that request alone.
"""

from __future__ import annotations

import http.client
import re
from dataclasses import dataclass
from http.cookies import SimpleCookie
from urllib.parse import urlencode

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Reply:
    status: int
    location: str
    body: str
    content_location: str = ""  # where a POST's answer can be fetched again (feedback)

    def csrf_token(self) -> str:
        match = _TOKEN.search(self.body)
        assert match, f"no csrf_token on the page (status {self.status})"
        return match[1]


class Client:
    """A browser-like session: keeps cookies, does not follow redirects."""

    def __init__(self, port: int, timeout: float = 20) -> None:
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def get(self, path: str) -> Reply:
        return self.request("GET", path)

    def post(self, path: str, form: dict) -> Reply:
        return self.request("POST", path, urlencode(form))

    def request(self, method: str, path: str, body: str | None = None) -> Reply:
        """Send one request; raises OSError/HTTPException when the connection breaks."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = {"Connection": "close", "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
            return Reply(
                response.status,
                response.headers.get("Location", ""),
                text,
                response.headers.get("Content-Location", ""),
            )
        finally:
            connection.close()

    def log_in(self, email: str, password: str) -> None:
        token = self.get("/auth/login").csrf_token()
        reply = self.post(
            "/auth/login", {"email": email, "password": password, "csrf_token": token}
        )
        assert reply.status == 302, (reply.status, reply.body[:300])
