"""Run the real app under gunicorn on a free loopback port, and kill its workers."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from gunicorn.config import KNOWN_SETTINGS

from tests.conftest import ROOT
from tests.faults.http_client import Client

GUNICORN = Path(sys.executable).with_name("gunicorn")
# gunicorn 25+ opens a control socket under ~/.gunicorn; two test servers at once (two
# pytest-xdist workers) must not fight over it.
_CONTROL_SOCKET = any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """``gunicorn wsgi:app`` as in production (CSRF on, not TESTING), on the test database."""

    def __init__(
        self,
        database_url: str,
        workdir: Path,
        *,
        workers: int = 2,
        threads: int = 1,
        app: str = "wsgi:app",
    ):
        self.port = free_port()
        self.workdir = workdir
        self.log = workdir / "gunicorn.log"
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "fault-test-secret-key",
            "EDU_ENV": "development",
            "EDU_INSTANCE_PATH": str(workdir),
            "EDU_CASES_DIR": str(ROOT / "cases"),
            # Every client logs in from 127.0.0.1; the limit is not what is tested here.
            "EDU_LOGIN_RATE_LIMIT": "100000 per minute",
            "PYTHONWARNINGS": "ignore",
            "EDU_KILL_POINTS_DIR": str(workdir),
        }
        self.args = [
            str(GUNICORN),
            "--workers", str(workers),
            "--threads", str(threads),
            "--bind", f"127.0.0.1:{self.port}",
            "--chdir", str(ROOT),
            "--timeout", "30",
            "--graceful-timeout", "3",
            "--backlog", "256",
            # Workers fork from a master that has imported the app, as a production
            # deployment would, so a killed worker is replaced in milliseconds.
            "--preload",
            *(["--no-control-socket"] if _CONTROL_SOCKET else []),
            app,
        ]  # fmt: skip
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                self.args, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        self.wait_ready()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def wait_ready(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            with contextlib.suppress(OSError):
                if Client(self.port, timeout=2).get("/healthz").status == 200:
                    if len(self.workers()) == int(self.args[self.args.index("--workers") + 1]):
                        return
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start: {self.log.read_text()[-2000:]}")

    def workers(self) -> list[int]:
        """The process ids of the master's workers (children, read from /proc)."""
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                # The command name may hold spaces; the fields after ") " are fixed.
                parent = int(stat.rsplit(") ", 1)[1].split()[1])
                if parent == self.process.pid:
                    pids.append(int(entry.name))
        return sorted(pids)

    def kill_a_worker(self) -> int:
        """SIGKILL one worker (no chance to finish its request); return its pid."""
        victim = self.workers()[0]
        os.kill(victim, signal.SIGKILL)
        return victim

    def kill_at(self, phase: str, timeout: float = 5) -> int | None:
        """Arm a kill point of tests.faults.wsgi_kill_points; SIGKILL the worker that
        reaches it. Return its pid, or None if no request reached it in ``timeout``."""
        armed, victim = self.workdir / f"arm-{phase}", self.workdir / "victim"
        armed.write_text("")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if victim.exists():
                pid = int(victim.read_text().split()[0])
                os.kill(pid, signal.SIGKILL)
                victim.unlink()
                return pid
            time.sleep(0.005)
        armed.unlink(missing_ok=True)
        return None

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        workers = self.workers()
        self.process.send_signal(signal.SIGQUIT)  # quick shutdown: the test is over
        try:
            self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            for pid in workers:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.process.kill()
            self.process.wait(timeout=5)
