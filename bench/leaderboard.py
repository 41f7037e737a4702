"""The leaderboard and the exports of a generated course, timed in-process.

- the first page of the leaderboard: ``GET /courses/<id>/leaderboard`` through the real
  route (test client, logged in as the course's instructor), standings and template;
- the full leaderboard CSV and the per-decision (research) export: the lines of
  ``edu.services.gradebook.export_lines`` written by ``edu.cli.export.write_lines`` to
  ``/dev/null``, which is exactly ``flask export leaderboard|research --course CODE``;
- the research export's memory: the process's peak resident set while it streams (the
  kernel's high-water mark, see :class:`RssPeak`), minus what it was just before.

These call the course owner's public functions; they never reimplement them.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import Flask

from bench.generate import GeneratedCourse
from bench.report import Figure, at_least, at_most
from bench.sessions import USER_AGENT, login_sessions
from edu.cli.export import write_lines
from edu.extensions import db
from edu.models import Course
from edu.services import gradebook

FIRST_PAGE_MS = 150.0
CSV_SECONDS = 2.0
RESEARCH_ROWS_PER_S = 100_000
RESEARCH_MB = 50.0
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss_bytes() -> int:
    """This process's resident set size now (Linux /proc; 0 where unavailable)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * PAGE_SIZE
    except OSError:
        return 0


def _high_water_mark() -> int | None:
    """This process's peak resident set since start or the last reset (VmHWM), or None."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _reset_high_water_mark() -> bool:
    """Set VmHWM back to the current resident set (Linux 4.0+: ``clear_refs`` value 5)."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return _high_water_mark() is not None


class RssPeak:
    """The highest resident set size while the block runs: ``peak``.

    On Linux it is the kernel's own high-water mark, reset on entry and read on exit, so
    nothing runs beside the export. A thread sampling every 2 ms, as the first two sessions
    measured, took 8 to 18 % off a SQLite research export's rate: SQLite's driver releases
    the GIL on every row, and the sampler took it each time it woke. Where the mark cannot
    be reset, that thread is still the fallback.
    """

    def __init__(self, interval: float = 0.002) -> None:
        self.interval = interval
        self.peak = rss_bytes()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes())
            self._stop.wait(self.interval)

    def __enter__(self) -> RssPeak:
        if not _reset_high_water_mark():
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(timeout=5)
        else:
            self.peak = max(self.peak, _high_water_mark() or 0)
        self.peak = max(self.peak, rss_bytes())


@dataclass
class ExportRun:
    rows: int
    seconds: float
    growth_mb: float
    complete: bool = True

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def _until(lines: Iterator[str], deadline: float, state: dict) -> Iterator[str]:
    for line in lines:
        yield line
        if time.perf_counter() > deadline:
            state["complete"] = False
            return


def time_export(
    app: Flask, course_id: int, kind: str, max_seconds: float | None = None
) -> ExportRun:
    """Stream export ``kind`` to /dev/null as the CLI does; rows exclude the header.

    With ``max_seconds`` the stream is abandoned after that long (a slow export of millions
    of rows would otherwise take hours); the rate is then that of the rows streamed.
    """
    with app.app_context():
        course = db.session.get(Course, course_id)
        gc.collect()
        baseline = rss_bytes()
        state = {"complete": True}
        with open(os.devnull, "wb") as sink, RssPeak() as peak:
            started = time.perf_counter()
            lines = gradebook.export_lines(course, kind)
            if max_seconds is not None:
                lines = _until(lines, started + max_seconds, state)
            count = write_lines(lines, sink)
            seconds = time.perf_counter() - started
        db.session.remove()
    growth = (peak.peak - baseline) / 2**20
    return ExportRun(max(0, count - 1), seconds, growth, state["complete"])


def export_in_fresh_process(
    database_url: str, course_id: int, kind: str, max_seconds: float | None = None
) -> ExportRun:
    """:func:`time_export` in a new Python process, so the memory growth is the export's own.

    In a process that has already built a big leaderboard, freed memory is reused and the
    resident set would not grow at all; a fresh process shows what a CLI export needs.
    """
    root = Path(__file__).resolve().parent.parent
    env = dict(os.environ, PYTHONPATH=str(root) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    command = [
        sys.executable, "-m", "bench.leaderboard", database_url, str(course_id), kind,
        str(max_seconds or 0),
    ]  # fmt: skip
    done = subprocess.run(
        command, capture_output=True, text=True, cwd=root, env=env,
        timeout=(max_seconds or 3600) + 180,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"export {kind} failed: {done.stderr.strip()[-2000:]}")
    return ExportRun(**json.loads(done.stdout.strip().splitlines()[-1]))


def time_first_page(app: Flask, course: GeneratedCourse, repeats: int = 3) -> tuple[float, float]:
    """Return (cold, median warm) milliseconds of the leaderboard's first page via its route."""
    cookie = login_sessions(app, [course.instructor_id])[course.instructor_id].cookie
    client = app.test_client()
    client.set_cookie("session", cookie)
    headers = {"User-Agent": USER_AGENT, "X-Forwarded-Proto": "https"}
    times = []
    for _ in range(repeats + 1):
        started = time.perf_counter()
        response = client.get(f"/courses/{course.course_id}/leaderboard", headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"leaderboard page answered {response.status_code}")
    return times[0], statistics.median(times[1:])


def time_standings(app: Flask, course_id: int) -> float:
    """Milliseconds of ``gradebook.standings`` alone (the ranking every view starts from)."""
    with app.app_context():
        course = db.session.get(Course, course_id)
        started = time.perf_counter()
        gradebook.standings(course)
        elapsed = (time.perf_counter() - started) * 1000
        db.session.remove()
    return elapsed


def measure_leaderboard(
    app: Flask,
    course: GeneratedCourse,
    scope: str = "",
    say: Callable[[str], None] = print,
    max_seconds: float | None = 60.0,
) -> list[Figure]:
    """Time the leaderboard page, the leaderboard CSV and the research export of ``course``."""
    learners = course.size.learners
    cold, warm = time_first_page(app, course)
    say(f"  leaderboard first page: {warm:.0f} ms (first request {cold:.0f} ms)")
    standings_ms = time_standings(app, course.course_id)
    board = export_in_fresh_process(
        app.config["SQLALCHEMY_DATABASE_URI"], course.course_id, "leaderboard"
    )
    say(f"  leaderboard CSV: {board.rows:,} rows in {board.seconds:.2f} s")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    research = export_in_fresh_process(url, course.course_id, "research", max_seconds)
    partial = "" if research.complete else f", stopped after {max_seconds:g} s"
    say(
        f"  research export: {research.rows:,} rows in {research.seconds:.2f} s "
        f"({research.rows_per_s:,.0f} rows/s{partial}), memory +{research.growth_mb:.1f} MB"
    )
    context = {"learners": learners, "choices": course.counts.get("choices", 0)}
    return [
        at_most(
            "leaderboard first page", warm, "ms", FIRST_PAGE_MS,
            note=f"{learners:,} learners; first request {cold:.0f} ms; standings() {standings_ms:.0f} ms",
            scope=scope, extra=context | {"cold_ms": cold, "standings_ms": standings_ms},
        ),
        at_most(
            "leaderboard CSV, full", board.seconds, "s", CSV_SECONDS,
            note=f"{board.rows:,} rows", scope=scope, extra=context | {"rows": board.rows},
        ),
        at_least(
            "research export rate", research.rows_per_s, "rows/s", RESEARCH_ROWS_PER_S,
            note=f"{research.rows:,} rows in {research.seconds:.2f} s{partial}", scope=scope,
            extra=context | {"rows": research.rows, "seconds": research.seconds,
                             "complete": research.complete},
        ),
        at_most(
            "research export memory growth", research.growth_mb, "MB", RESEARCH_MB,
            scope=scope, extra=context,
        ),
    ]  # fmt: skip


def growth_table(rows: list[tuple[str, int, list[Figure]]]) -> str:
    """Markdown table of how each figure grows with course size.

    ``rows``: (backend, learners, figures of :func:`measure_leaderboard`).
    """
    header = (
        "| database | learners | choices | first page (ms) | leaderboard CSV (s) "
        "| research export (rows/s) | research rows | memory growth (MB) |"
    )
    lines = [header, "|" + " --- |" * 8]
    for backend, learners, figures in rows:
        by_name = {f.name: f for f in figures}
        page = by_name["leaderboard first page"]
        board = by_name["leaderboard CSV, full"]
        rate = by_name["research export rate"]
        memory = by_name["research export memory growth"]
        lines.append(
            f"| {backend} | {learners:,} | {page.extra.get('choices', 0):,} | {page.value:.0f} "
            f"| {board.value:.2f} | {rate.value:,.0f} | {rate.extra['rows']:,} "
            f"| {memory.value:.1f} |"
        )
    return "\n".join(lines)


def _main(argv: list[str]) -> None:
    """``python -m bench.leaderboard URL COURSE_ID KIND MAX_SECONDS``: one export, as JSON."""
    from edu import create_app

    url, course_id, kind, max_seconds = argv
    app = create_app({"SECRET_KEY": "bench-export", "SQLALCHEMY_DATABASE_URI": url})
    run = time_export(app, int(course_id), kind, float(max_seconds) or None)
    with app.app_context():
        db.engine.dispose()
    print(json.dumps(asdict(run)))


if __name__ == "__main__":
    _main(sys.argv[1:])
