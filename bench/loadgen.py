"""gunicorn and wrk: the server under test and the load generator, both on loopback.

:class:`Server` starts ``bench.wsgi_bench:app`` under gunicorn as the README deploys it, on
a free port of 127.0.0.1, and stops it; :func:`run_wrk` runs one bounded wrk load with the
Lua scripts in ``bench/wrk/`` and returns its summary. Nothing here waits without a limit.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.cpu import CpuPerRequest
from bench.databases import BenchDatabase
from bench.sessions import USER_AGENT

ROOT = Path(__file__).resolve().parent.parent
WRK_DIR = Path(__file__).resolve().parent / "wrk"


class BenchError(RuntimeError):
    """The benchmark cannot run or its run is not valid (the message says why)."""


@dataclass
class WrkResult:
    scenario: str
    connections: int
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    ok: int
    redirects: int
    client_errors: int
    server_errors: int
    socket_errors: int
    new_decisions: int
    exhausted: int
    rows_written: int | None = None
    cpu: CpuPerRequest | None = None  # where the run's CPU went (bench.cpu), when measured

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def decisions_per_s(self) -> float:
        return self.new_decisions / self.seconds


def ensure_wrk(say: Callable[[str], None] = print) -> str:
    """Return the path of wrk, installing Debian's package when running as root."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise BenchError(
            "wrk is not installed and this is not root: run `sudo apt-get install -y wrk` "
            "(Debian package), or skip the request path with --only leaderboard,authoring,engine"
        )
    say("wrk is missing: installing Debian's wrk package (apt-get install -y wrk)")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env, timeout=300)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, env=env, timeout=600)
    found = shutil.which("wrk")
    if not found:
        raise BenchError("apt-get did not install wrk")
    return found


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- the server ------------------------------------------------------------------------------


class Server:
    """gunicorn serving bench.wsgi_bench:app on a free loopback port."""

    def __init__(self, database: BenchDatabase, secret: str, instance: Path, workers: int) -> None:
        self.port = _free_port()
        env = dict(os.environ)
        env.update(
            EDU_ENV="production",
            SECRET_KEY=secret,
            DATABASE_URL=database.url,
            EDU_INSTANCE_PATH=str(instance),
            # The README's deployment: one proxy in front, whose X-Forwarded-* are believed.
            EDU_TRUSTED_PROXIES="1",
            PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        )
        self.log = (instance / "gunicorn.log").open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
                "bench.wsgi_bench:app",
            ],  # fmt: skip
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.instance = instance

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str, cookie: str = "", method: str = "GET", body: str = "") -> tuple:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {"User-Agent": USER_AGENT, "X-Forwarded-Proto": "https"}
            if cookie:
                headers["Cookie"] = f"session={cookie}"
            if body:
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                # A POST over https must name a same-origin referrer (Flask-WTF's check).
                headers["Referer"] = f"https://127.0.0.1:{self.port}{path}"
            conn.request(method, path, body=body or None, headers=headers)
            response = conn.getresponse()
            return response.status, response.getheader("Location", ""), response.read()
        finally:
            conn.close()

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn exited: see {self.instance / 'gunicorn.log'}")
            try:
                if self.get("/bench/hello")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError(f"gunicorn did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


# --- running wrk -----------------------------------------------------------------------------


def run_wrk(
    wrk: str,
    server: Server,
    scenario: str,
    entries_file: Path,
    connections: int,
    duration: float,
    threads: int,
    mode: str = "",
) -> WrkResult:
    """Run one bounded wrk load and return its summary."""
    script = WRK_DIR / ("decide.lua" if scenario.startswith("decide") else "get.lua")
    threads = min(threads, connections)
    command = [
        wrk, "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration))}s",
        "--timeout", "10s", "-s", str(script), server.url, "--", str(entries_file), str(threads),
    ]  # fmt: skip
    if mode:
        command.append(mode)
    done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH-JSON ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout}")
    data = json.loads(line[len("BENCH-JSON ") :])
    return WrkResult(
        scenario=scenario,
        connections=connections,
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        ok=data["ok"],
        redirects=data["redirects"],
        client_errors=data["client_errors"],
        server_errors=data["server_errors"],
        socket_errors=data["connect_errors"] + data["write_errors"] + data["timeouts"],
        new_decisions=data["new_decisions"],
        exhausted=data["exhausted"],
    )
