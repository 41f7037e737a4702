"""The request path under gunicorn, driven by wrk on loopback.

One gunicorn, started as the README's deployment starts it (``--workers 4``, sync workers,
``EDU_ENV=production``), serves ``bench.wsgi_bench:app``: the real app plus a hello route.
wrk then runs, for 16 and 64 concurrent connections, these routes, with a hello run before
and after each of the others (``run_order``):

- ``hello``: ``GET /bench/hello``, the ceiling;
- ``user``: ``GET /bench/user``, a page that only loads the logged-in user (context: the
  node, decision and debrief figures are also given as a share of it);
- ``node``: ``GET /play/attempts/<id>``, a case decision page (attempts spread over cases);
- ``decide``: ``POST /play/attempts/<id>/decide`` (CSRF token, engine evaluation, database
  write, feedback page rendered as the answer); every POST is a new decision on an attempt
  nobody else touches;
- ``debrief``: ``GET /play/attempts/<id>/debrief`` of completed case attempts.

Throughput is compared with the hello route's in the runs just before and after it, so the
ratios hold across machines and across the drift of one machine's speed. With ``rounds``
above one, the whole sequence runs that many times and each route's figures are those of
its median round by share of hello (of an even number, the lower middle one), with every
round's share in the note: on a virtual machine one run's share can be ten points off the
next. Every wrk run is bounded (``-d``), and so is every wait for the server.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask
from sqlalchemy import text

from bench import cpu
from bench.databases import BenchDatabase
from bench.generate import GeneratedCourse, completed_attempt_ids, open_attempts
from bench.loadgen import BenchError, Server, WrkResult, ensure_wrk, run_wrk
from bench.report import Figure, at_most, info
from bench.sessions import login_sessions
from edu import create_app
from edu.extensions import db

SCENARIOS = ("hello", "user", "node", "decide", "debrief")
# Issue 10's targets: throughput as a share of the hello route's, and p95 at 16 clients.
SHARE = {"node": 0.60, "decide": 0.40}
P95_MS = 50.0
P95_AT = 16


@dataclass(frozen=True)
class RequestSettings:
    duration: int = 5  # seconds per wrk run (wrk takes whole seconds)
    warmup: int = 2  # seconds per scenario before measuring (not counted)
    concurrency: tuple[int, ...] = (16, 64)
    workers: int = 4  # the README's gunicorn --workers
    threads: int = 2  # wrk threads (the machine has 2 cores)
    rounds: int = 1  # times the runs at every concurrency are repeated (median reported)
    # Upper bound on decisions per second, to size the pool of fresh attempts for a run.
    decide_rate_cap: int = 1500
    node_pool: int = 1500
    debrief_pool: int = 1500

    @property
    def hello_duration(self) -> int:
        # The hello runs between the others (run_order) only track the machine's speed;
        # at thousands of requests a second, half as long measures it as well.
        return max(2, self.duration // 2)


def run_order() -> list[str]:
    """The runs at one concurrency: hello before and after every other route.

    A virtual machine's speed drifts by a third within minutes, so each route is compared
    with the hello runs just before and just after it (``figures``), not with one hello
    run a few minutes away.
    """
    order = ["hello"]
    for scenario in SCENARIOS:
        if scenario != "hello":
            order += [scenario, "hello"]
    return order


def _pool(connections: int, round_: int) -> str:
    """The label of the fresh decisions one decide run takes (``make_pools``)."""
    return f"c{connections}" if round_ == 0 else f"c{connections}-r{round_ + 1}"


def bench_app(database: BenchDatabase, secret: str, instance: Path) -> Flask:
    """The app as the benchmarked server configures it (production, same secret)."""
    os.environ.setdefault("EDU_INSTANCE_PATH", str(instance))
    return create_app(
        {
            "EDU_ENV": "production",
            "SECRET_KEY": secret,
            "SQLALCHEMY_DATABASE_URI": database.url,
            "TRUSTED_PROXIES": 1,
        }
    )


# --- entries (what each request sends) -------------------------------------------------------


def _lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string of ASCII text is a valid Lua string literal


def write_entries(path: Path, entries: Sequence[tuple[str, str, str]]) -> Path:
    """Write ``{path, cookie, body}`` entries as a Lua table wrk's scripts load."""
    with path.open("w") as out:
        out.write("return {\n")
        for url, cookie, body in entries:
            out.write(f"{{{_lua_string(url)}, {_lua_string(cookie)}, {_lua_string(body)}}},\n")
        out.write("}\n")
    return path


@dataclass
class Pools:
    node: list[tuple[str, str, str]]
    debrief: list[tuple[str, str, str]]
    hello: list[tuple[str, str, str]]
    user: list[tuple[str, str, str]]
    decide: dict[str, list[tuple[str, str, str]]]  # one fresh pool per run label


def make_pools(
    app: Flask, course: GeneratedCourse, settings: RequestSettings, labels: Sequence[str]
) -> Pools:
    """Create the attempts the runs use and the sessions of their learners."""
    node_attempts = open_attempts(app, course, settings.node_pool, seed=11)
    per_run = int(settings.decide_rate_cap * settings.duration) + 50
    decide_attempts = {
        label: open_attempts(
            app, course, 60 if label == "warmup" or label == "preflight" else per_run, seed=i
        )
        for i, label in enumerate(labels, start=100)
    }
    debriefs = completed_attempt_ids(app, course, settings.debrief_pool)
    users = {a.user_id for a in node_attempts} | {u for _, u in debriefs}
    for pool in decide_attempts.values():
        users |= {a.user_id for a in pool}
    sessions = login_sessions(app, users)

    def decide_entry(a):
        body = urlencode(
            {"csrf_token": sessions[a.user_id].csrf_token, "step": a.step, "option": a.option_code}
        )
        return (f"/play/attempts/{a.attempt_id}/decide", sessions[a.user_id].cookie, body)

    return Pools(
        node=[
            (f"/play/attempts/{a.attempt_id}", sessions[a.user_id].cookie, "")
            for a in node_attempts
        ],
        debrief=[(f"/play/attempts/{i}/debrief", sessions[u].cookie, "") for i, u in debriefs],
        hello=[("/bench/hello", sessions[a.user_id].cookie, "") for a in node_attempts],
        user=[("/bench/user", sessions[a.user_id].cookie, "") for a in node_attempts],
        decide={label: [decide_entry(a) for a in pool] for label, pool in decide_attempts.items()},
    )


def _choices(app: Flask) -> int:
    with app.app_context():
        count = db.session.execute(text("SELECT COUNT(*) FROM choices")).scalar()
        db.session.remove()
        return count


def _preflight(server: Server, pools: Pools) -> None:
    """One request of each kind, checked, so a broken setup fails loudly before timing."""
    checks = [
        ("hello", pools.hello[0], 200),
        ("user", pools.user[0], 200),
        ("node", pools.node[0], 200),
        ("debrief", pools.debrief[0], 200),
    ]
    for name, (path, cookie, _), expected in checks:
        status, location, _ = server.get(path, cookie)
        if status != expected:
            raise BenchError(f"preflight {name}: GET {path} answered {status} {location}")
    path, cookie, body = pools.decide["preflight"][0]
    status, location, page = server.get(path, cookie, "POST", body)
    if status != 200 or b"You chose:" not in page:
        raise BenchError(f"preflight decide: POST {path} answered {status} {location!r}")


def measure_request_path(
    database: BenchDatabase,
    course: GeneratedCourse,
    settings: RequestSettings = RequestSettings(),
    scope: str = "",
    say: Callable[[str], None] = print,
) -> tuple[list[Figure], list[WrkResult]]:
    """Run the request-path benchmark on ``database``; return figures and raw wrk results."""
    wrk = ensure_wrk(say)
    secret = secrets.token_hex(32)
    work = Path(tempfile.mkdtemp(prefix="edu-bench-http-"))
    app = bench_app(database, secret, work)
    labels = [
        "preflight",
        "warmup",
        *(_pool(c, n) for n in range(settings.rounds) for c in settings.concurrency),
    ]
    say(f"  preparing attempts and sessions ({len(labels)} decision pools)")
    pools = make_pools(app, course, settings, labels)
    files = {
        name: write_entries(work / f"{name}.lua", getattr(pools, name))
        for name in SCENARIOS
        if name != "decide"  # decisions get one fresh pool per run, below
    }
    for label, entries in pools.decide.items():
        files[f"decide-{label}"] = write_entries(work / f"decide-{label}.lua", entries)
    server = Server(database, secret, work, settings.workers)
    results: list[WrkResult] = []
    try:
        server.wait_ready()
        _preflight(server, pools)
        say(f"  gunicorn --workers {settings.workers} on {server.url}; warming up")
        for scenario in SCENARIOS:
            name = "decide-warmup" if scenario == "decide" else scenario
            run_wrk(wrk, server, scenario, files[name], 8, settings.warmup, settings.threads)
        runs = [
            (round_, connections, scenario)
            for round_ in range(settings.rounds)
            for connections in settings.concurrency
            for scenario in run_order()
        ]
        for round_, connections, scenario in runs:
            name = f"decide-{_pool(connections, round_)}" if scenario == "decide" else scenario
            before = _choices(app) if scenario == "decide" else None
            duration = settings.hello_duration if scenario == "hello" else settings.duration
            cpu_before = cpu.snapshot(server.process.pid)
            result = run_wrk(
                wrk, server, scenario, files[name], connections, duration, settings.threads
            )
            result.cpu = cpu.per_request(
                cpu_before, cpu.snapshot(server.process.pid), result.requests
            )
            if before is not None:
                result.rows_written = _choices(app) - before
            results.append(result)
            say(
                (f"  round {round_ + 1}" if settings.rounds > 1 else "")
                + f"  {scenario:<8} c{connections:<3} {result.rps:8.1f} req/s  "
                f"p50 {result.p50_ms:6.1f} ms  p95 {result.p95_ms:6.1f} ms  "
                f"p99 {result.p99_ms:6.1f} ms"
                + (f"  {result.decisions_per_s:.1f} decisions/s" if before is not None else "")
            )
    except Exception:
        say(f"  the server's log and the request files are kept in {work}")
        raise
    finally:
        server.stop()
        with app.app_context():
            db.engine.dispose()
    # The request files hold live session cookies: nothing to leave lying around.
    shutil.rmtree(work, ignore_errors=True)
    return figures(results, scope), results


def figures(results: Sequence[WrkResult], scope: str = "") -> list[Figure]:
    """Turn wrk results into figures with the issue's targets."""
    out: list[Figure] = []
    hellos: dict[int, list[WrkResult]] = {}
    for r in results:
        if r.scenario == "hello":
            hellos.setdefault(r.connections, []).append(r)
    for connections, runs in hellos.items():
        rates = [h.rps for h in runs]
        out.append(
            info(
                f"hello c{connections} throughput",
                sum(rates) / len(rates),
                "req/s",
                note="mean of its runs: "
                + ", ".join(f"{x:,.0f}" for x in rates)
                + f"; p95 {max(h.p95_ms for h in runs):.1f} ms",
                scope=scope,
            )
        )
        out += _cpu_figures(f"hello c{connections}", runs, scope)
    # Each route's runs at one concurrency, in order: one per round.
    rounds: dict[tuple[str, int], list[int]] = {}
    for index, r in enumerate(results):
        if r.scenario != "hello":
            rounds.setdefault((r.scenario, r.connections), []).append(index)
    for (scenario, connections), indexes in rounds.items():
        ceilings = [_ceiling_beside(results, i) for i in indexes]
        shares = [_rate(results[i]) / c for i, c in zip(indexes, ceilings, strict=True)]
        # The median round; of an even number, the lower middle one (the stricter).
        median = sorted(range(len(indexes)), key=shares.__getitem__)[(len(indexes) - 1) // 2]
        r, ceiling = results[indexes[median]], ceilings[median]
        problems = "; ".join(filter(None, (_problems(results[i]) for i in indexes)))
        value = _rate(r)
        context = ""  # after the share of hello: of the user route, then every round's
        users = rounds.get(("user", connections), [])
        if scenario != "user" and len(users) > median and results[users[median]].rps:
            context = f", {value / results[users[median]].rps:.0%} of the user route"
        if len(indexes) > 1:
            every = ", ".join(f"{x:.1%}" for x in shares)
            context += f"; the median of {len(indexes)} rounds: {every}"
        latency = f"p50 {r.p50_ms:.1f} ms, p99 {r.p99_ms:.1f} ms"
        name = f"{scenario} c{connections}"
        if scenario == "decide":
            unit = "decisions/s"
            latency = f"one POST answered with the feedback page; {latency}"
        else:
            unit = "req/s"
        # One decimal: a share just under its target must not read as the target itself.
        note = f"{value / ceiling:.1%} of hello{context}" + (f"; {problems}" if problems else "")
        rounds_kept = {"shares_of_hello": [round(x, 4) for x in shares]}
        share = SHARE.get(scenario)
        if share is not None:
            target = f">= {share:.0%} of hello ({share * ceiling:,.0f})"
            met = value >= share * ceiling and not problems
            out.append(
                Figure(
                    f"{name} throughput",
                    value,
                    unit,
                    target,
                    met,
                    note=note,
                    scope=scope,
                    extra=rounds_kept,
                )
            )
        else:
            out.append(
                info(f"{name} throughput", value, unit, note=note, scope=scope, extra=rounds_kept)
            )
        out += _cpu_figures(name, [results[i] for i in indexes], scope)
        if connections == P95_AT and scenario != "user":
            out.append(at_most(f"{name} p95", r.p95_ms, "ms", P95_MS, note=latency, scope=scope))
        else:
            out.append(info(f"{name} p95", r.p95_ms, "ms", note=latency, scope=scope))
    return out


def _cpu_figures(name: str, runs: Sequence[WrkResult], scope: str) -> list[Figure]:
    """CPU per request over ``runs`` (their mean, weighted by requests), when measured:
    the machine's, with gunicorn's workers' and the database server's share in the note."""
    measured = [r for r in runs if r.cpu is not None]
    requests = sum(r.requests for r in measured)
    if not requests:
        return []

    def mean(part: str) -> float:
        return sum(getattr(r.cpu, part) * r.requests for r in measured) / requests

    workers, database = mean("workers_ms"), mean("database_ms")
    return [
        info(
            f"{name} CPU per request",
            mean("machine_ms"),
            "ms",
            note=f"gunicorn's workers {workers:.2f} ms, the database server {database:.2f} ms",
            scope=scope,
            extra={"workers_ms": workers, "database_ms": database},
        )
    ]


def _ceiling_beside(results: Sequence[WrkResult], index: int) -> float:
    """The hello throughput to compare ``results[index]`` with: the mean of the hello runs
    at its concurrency just before and just after it (either alone if only one exists)."""
    connections = results[index].connections

    def nearest(runs):
        return next(
            (r for r in runs if r.scenario == "hello" and r.connections == connections), None
        )

    beside = [
        r
        for r in (nearest(reversed(results[:index])), nearest(results[index + 1 :]))
        if r is not None
    ]
    return sum(h.rps for h in beside) / len(beside)


def _rate(r: WrkResult) -> float:
    return r.decisions_per_s if r.scenario == "decide" else r.rps


def _problems(r: WrkResult) -> str:
    found = []
    if r.client_errors or r.server_errors:
        found.append(f"{r.client_errors} 4xx, {r.server_errors} 5xx")
    if r.redirects:
        found.append(f"{r.redirects} redirects")
    if r.socket_errors:
        found.append(f"{r.socket_errors} socket errors")
    if r.exhausted:
        found.append(f"pool exhausted {r.exhausted}x: raise decide_rate_cap")
    # Requests still in flight when wrk stops are answered unseen: at most one per connection.
    if r.rows_written is not None and not (
        r.new_decisions <= r.rows_written <= r.new_decisions + r.connections
    ):
        found.append(f"{r.rows_written} rows for {r.new_decisions} decisions")
    return "; ".join(found)
