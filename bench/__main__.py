"""``python -m bench``: run the benchmarks and print each figure beside its target.

    python -m bench                              # small size on SQLite, under two minutes
    python -m bench --size full --db both        # 5,000 learners, SQLite and PostgreSQL
    python -m bench --only leaderboard --growth 1000,5000,20000 --db both
    python -m bench --only request --db postgres --reuse --keep

Databases are created for the run (a SQLite file in a temporary directory, or
``edu_bench_*`` on the PostgreSQL server of ``BENCH_POSTGRES_URL``) and dropped afterwards
unless ``--keep``; ``--reuse`` takes a course generated earlier by ``--keep``. Commands
and figures: docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import databases
from bench.databases import BenchDatabase
from bench.generate import (
    CourseSize,
    GeneratedCourse,
    find_course,
    generate_course,
    prepare_database,
)
from bench.report import Figure, info, table, to_json

PARTS = ("request", "leaderboard", "authoring", "engine")


@dataclass(frozen=True)
class Size:
    learners: int
    duration: int  # seconds per wrk run
    warmup: int
    engine_seconds: float
    export_seconds: float  # bound on the research export's streaming


SIZES = {
    "tiny": Size(learners=20, duration=2, warmup=1, engine_seconds=0.5, export_seconds=10),
    "small": Size(learners=200, duration=4, warmup=1, engine_seconds=2, export_seconds=20),
    "full": Size(learners=5000, duration=20, warmup=3, engine_seconds=5, export_seconds=60),
}


def _say(message: str) -> None:
    print(message, flush=True)


def _load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def speed_probe() -> float:
    """Milliseconds for a fixed pure-Python workload, best of five (lower is faster).

    A virtual machine's speed drifts (the same hello route gave 1,000 and 1,900 req/s an
    hour apart on one machine), so every run records this at its start and end: absolute
    figures of two runs compare only at similar probe values. Ratios within one run need
    no such correction.
    """
    import json as json_module

    document = {"path": [[f"node-{i}", None] for i in range(40)], "points": list(range(50))}
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(400):
            json_module.loads(json_module.dumps(document))
            sum(i * i for i in range(300))
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def machine() -> dict:
    """What the figures were measured on."""
    memory = ""
    try:
        with open("/proc/meminfo") as meminfo:
            kb = int(meminfo.readline().split()[1])
            memory = f"{kb / 2**20:.1f} GiB"
    except OSError:
        pass
    wrk = shutil.which("wrk")
    version = ""
    if wrk:
        out = subprocess.run([wrk, "-v"], capture_output=True, text=True, timeout=10)
        version = (out.stdout or out.stderr).split("\n", 1)[0].split(" Copyright")[0]
    return {
        "cores": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "wrk": version or "not installed",
        "load_average": _load(),
        "speed_probe_ms": speed_probe(),
    }


def prepare_course(
    database: BenchDatabase, size: CourseSize, reuse: bool, figures: list[Figure], scope: str
) -> GeneratedCourse:
    """Return the course of ``size`` in ``database``, generating it unless reused."""
    from edu import create_app

    config = {"SECRET_KEY": "bench-generator", "SQLALCHEMY_DATABASE_URI": database.url}
    if reuse and databases.exists(database):
        course = find_course(create_app(config), size)
        if course is not None:
            _say(f"  reusing {database.name}: {course.counts}")
            return course
    _say(f"  creating {database.name} and generating {size.learners:,} learners")
    databases.create_empty(database)
    app = create_app(config)
    started = time.perf_counter()
    prepare_database(app)
    course = generate_course(app, size, progress=_say)
    seconds = time.perf_counter() - started
    with app.app_context():
        from edu.extensions import db

        db.engine.dispose()
    rows = course.counts["attempts"] + course.counts["choices"] + course.counts["users"]
    figures.append(
        info(
            f"generate {size.learners:,} learners",
            seconds,
            "s",
            note=f"{course.counts['attempts']:,} attempts, {course.counts['choices']:,} "
            f"choices, {rows / course.seconds:,.0f} rows/s",
            scope=scope,
            extra=dict(course.counts),
        )
    )
    return course


def run_database(args, backend: str, size: Size, workdir: Path, figures: list[Figure]) -> list:
    """Generate a course on ``backend`` and run the request and leaderboard parts on it."""
    from bench.leaderboard import measure_leaderboard
    from bench.request_path import RequestSettings, bench_app, measure_request_path

    growth_rows = []
    sizes = args.growth or [args.learners or size.learners]
    for learners in sizes:
        course_size = CourseSize(learners, args.assignments, args.attempts)
        scope = f"{backend} {learners:,}"
        database = databases.bench_database(backend, course_size.label, workdir)
        _say(f"[{scope}] database {database.name}")
        course = prepare_course(database, course_size, args.reuse, figures, scope)
        try:
            if "request" in args.only and not args.growth:
                settings = RequestSettings(
                    duration=args.duration or size.duration,
                    warmup=size.warmup,
                    workers=args.workers,
                    rounds=args.rounds,
                )
                found, _ = measure_request_path(database, course, settings, scope, _say)
                figures.extend(found)
            if "leaderboard" in args.only:
                app = bench_app(database, "bench-leaderboard", workdir)
                found = measure_leaderboard(app, course, scope, _say, size.export_seconds)
                with app.app_context():
                    from edu.extensions import db

                    db.engine.dispose()
                figures.extend(found)
                growth_rows.append((backend, learners, found))
        finally:
            if not args.keep:
                databases.drop(database)
    return growth_rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="edu benchmarks (docs/performance.md)"
    )
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument(
        "--only", default=",".join(PARTS), help=f"comma-separated parts of: {', '.join(PARTS)}"
    )
    parser.add_argument("--learners", type=int, help="override the size's number of learners")
    parser.add_argument("--assignments", type=int, default=20)
    parser.add_argument("--attempts", type=int, default=3)
    parser.add_argument(
        "--growth", help="comma-separated learner counts: leaderboard and exports at each size"
    )
    parser.add_argument("--duration", type=int, help="seconds per wrk run")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (README: 4)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="repeat the request-path runs; each route's figures are its median round's",
    )
    parser.add_argument("--files", type=int, default=1000, help="case files for authoring")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases")
    parser.add_argument("--reuse", action="store_true", help="reuse a course kept earlier")
    parser.add_argument("--workdir", type=Path, help="where SQLite files go (default: temp)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    args.only = [part.strip() for part in args.only.split(",") if part.strip()]
    unknown = set(args.only) - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s) {', '.join(sorted(unknown))}; choose from {PARTS}")
    if args.rounds < 1:
        parser.error("--rounds must be 1 or more")
    args.growth = [int(n) for n in args.growth.split(",")] if args.growth else None
    size = SIZES[args.size]
    backends = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    if "postgres" in backends and not databases.postgres_available():
        _say("PostgreSQL is not reachable (set BENCH_POSTGRES_URL): skipping it")
        backends = tuple(b for b in backends if b != "postgres")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="edu-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("EDU_INSTANCE_PATH", str(workdir))
    started = time.perf_counter()
    about = machine()
    _say(f"edu bench, size {args.size}: {json.dumps(about)}")
    figures: list[Figure] = []
    growth_rows: list = []
    if {"request", "leaderboard"} & set(args.only):
        for backend in backends:
            growth_rows += run_database(args, backend, size, workdir, figures)
    if "authoring" in args.only and not args.growth:
        from bench.authoring import measure_authoring
        from edu.config import load_config

        cases_dir = Path(load_config(workdir, {"SECRET_KEY": "x"})["CASES_DIR"])
        figures += measure_authoring(cases_dir, args.files, "in-process", _say)
    if "engine" in args.only and not args.growth:
        from bench.engine import measure_engine

        figures += measure_engine(size.engine_seconds, "in-process", _say)
    elapsed = time.perf_counter() - started
    _say("")
    _say(table(figures))
    if args.growth:
        from bench.leaderboard import growth_table

        _say("")
        _say(growth_table(growth_rows))
    probe_end = speed_probe()
    _say(
        f"\n{len(figures)} figures in {elapsed:.0f} s; load average now {_load()}; "
        f"speed probe {about['speed_probe_ms']} ms at the start, {probe_end} ms at the end"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {"machine": about | {"load_average_end": _load(), "speed_probe_end_ms": probe_end},
                 "size": args.size,
                 "seconds": elapsed, "figures": json.loads(to_json(figures))},
                indent=1,
            )
        )  # fmt: skip
    if args.workdir is None and not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    missed = [f for f in figures if f.ok is False]
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
