"""The benchmarks' own machinery at a tiny size: consistent data, figures with the right keys.

No timing is asserted here (the benchmarks are separate commands: ``make bench``), and
nothing drives wrk or gunicorn; the request path is checked up to what it would send.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bench import cpu, databases
from bench.authoring import measure_authoring
from bench.cpu import CpuPerRequest
from bench.engine import measure_engine
from bench.generate import CourseSize, find_course, generate_course, open_attempts
from bench.generate import prepare_database as prepare
from bench.leaderboard import RssPeak, growth_table, measure_leaderboard, rss_bytes
from bench.report import Figure, table
from bench.request_path import (
    RequestSettings,
    WrkResult,
    bench_app,
    figures,
    make_pools,
    run_order,
)
from bench.sessions import USER_AGENT, login_sessions
from edu import create_app
from edu.cases import Case
from edu.extensions import db
from edu.models import Attempt, Choice, Enrolment, User
from edu.services import play

ROOT = Path(__file__).resolve().parents[2]
TINY = CourseSize(learners=5, assignments=2, attempts=3)
HEADERS = {"User-Agent": USER_AGENT, "X-Forwarded-Proto": "https"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A tiny generated course on its own SQLite file: (database, app, course)."""
    work = tmp_path_factory.mktemp("bench")
    database = databases.bench_database("sqlite", TINY.label, work)
    databases.create_empty(database)
    app = create_app(
        {"SECRET_KEY": "bench-test", "SQLALCHEMY_DATABASE_URI": database.url, "TESTING": True}
    )
    prepare(app)
    course = generate_course(app, TINY)
    yield database, app, course
    with app.app_context():
        db.engine.dispose()


def test_generator_writes_the_asked_for_course(generated):
    _, app, course = generated
    with app.app_context():
        attempts = db.session.scalars(select(Attempt).where(Attempt.course_id == course.course_id))
        attempts = attempts.all()
        residents = db.session.scalar(
            select(func.count()).where(
                Enrolment.course_id == course.course_id, Enrolment.role == "resident"
            )
        )
        assert residents == 5 and len(course.assignment_ids) == 2
        assert len(attempts) == 5 * 2 * 3
        assert {a.status for a in attempts} == {"completed"}
        assert (
            db.session.scalar(select(func.count()).select_from(Choice)) == course.counts["choices"]
        )
        assert db.session.get(User, course.instructor_id).role == "instructor"


def test_every_generated_choice_is_what_the_service_would_have_scored(generated):
    _, app, course = generated
    with app.app_context():
        for attempt in db.session.scalars(select(Attempt)).all():
            choices = attempt.choices
            chosen = [(i, code) for i, (_, code) in enumerate(attempt.path) if code is not None]
            assert [c.step for c in choices] == [i for i, _ in chosen]
            assert [c.option_code for c in choices] == [code for _, code in chosen]
            assert attempt.points == sum(c.points for c in choices)
            assert attempt.max_points == sum(c.max_points for c in choices)
            assert attempt.completed_at >= attempt.started_at
            document = play.document_of(attempt)
            if isinstance(document, Case):
                assert document.nodes[attempt.current_node].kind == "ending"
                for choice in choices:
                    prefix = [list(e) for e in attempt.path[: choice.step + 1]]
                    prefix[-1][1] = None
                    judged = play.judge_options(attempt, document, prefix)[choice.option_code]
                    assert (choice.verdict, choice.rule) == (judged.verdict, judged.rule)
            else:
                assert attempt.current_node == play.QUIZ_END


def test_a_generated_course_is_found_again(generated):
    _, app, course = generated
    again = find_course(app, TINY)
    assert again is not None
    assert (again.course_id, again.learner_ids) == (course.course_id, course.learner_ids)


def test_open_attempts_wait_at_a_decision_the_service_accepts(generated):
    _, app, course = generated
    waiting = open_attempts(app, course, 4, seed=3)
    with app.app_context():
        for entry in waiting:
            attempt = db.session.get(Attempt, entry.attempt_id)
            assert attempt.status == "in_progress"
            assert play.current_step(attempt) == entry.step
            node = play.document_of(attempt).nodes[attempt.current_node]
            assert node.kind == "decision" and node.option(entry.option_code) is not None
        outcome = play.decide(
            waiting[0].attempt_id, waiting[0].user_id, waiting[0].step, waiting[0].option_code
        )
        assert outcome.recorded


def test_prepared_sessions_post_a_decision_with_csrf_on(generated, tmp_path):
    database, _, course = generated
    app = bench_app(database, "bench-secret", tmp_path)
    app.config["WTF_CSRF_ENABLED"] = True
    pools = make_pools(app, course, RequestSettings(duration=1, node_pool=2, debrief_pool=2,
                                                    decide_rate_cap=2), ["c16"])  # fmt: skip
    client = app.test_client()
    for path, cookie, _ in pools.node + pools.debrief:
        client.set_cookie("session", cookie)
        assert client.get(path, headers=HEADERS).status_code == 200
    path, cookie, body = pools.decide["c16"][0]
    client.set_cookie("session", cookie)
    # Behind the trusted proxy the request is https, so Flask-WTF wants a same-origin referrer.
    form = {"Content-Type": "application/x-www-form-urlencoded", "Referer": "https://localhost/"}
    posted = client.post(path, data=body, headers=HEADERS | form)
    # The decision is answered with its feedback page, whose address the wrk script checks.
    assert posted.status_code == 200 and "/steps/" in posted.headers["Content-Location"]
    assert "You chose:" in posted.get_data(as_text=True)
    tampered = body.replace("csrf_token=", "csrf_token=x")
    refused = client.post(pools.decide["c16"][1][0], data=tampered, headers=HEADERS | form)
    assert refused.status_code == 400
    with app.app_context():
        db.engine.dispose()


def test_login_sessions_give_each_learner_their_own_token(generated, tmp_path):
    database, _, course = generated
    app = bench_app(database, "bench-secret", tmp_path)
    found = login_sessions(app, course.learner_ids[:3])
    assert len({c.csrf_token for c in found.values()}) == 3
    assert len({c.cookie for c in found.values()}) == 3


def test_hello_route_exists_only_in_the_bench_app(generated, monkeypatch, tmp_path):
    database, app, _ = generated
    monkeypatch.setenv("DATABASE_URL", database.url)
    monkeypatch.setenv("EDU_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "bench-secret")
    sys.modules.pop("bench.wsgi_bench", None)
    module = importlib.import_module("bench.wsgi_bench")
    client = module.app.test_client()
    assert client.get("/bench/hello").data == b"hello"
    assert client.get("/bench/user").status_code == 302  # to the log-in page
    assert "bench_hello.hello_route" not in app.view_functions
    assert "bench_hello.user_route" not in app.view_functions
    with module.app.app_context():
        db.engine.dispose()


def _wrk(scenario: str, connections: int, requests: int, **kw) -> WrkResult:
    values = dict(
        scenario=scenario, connections=connections, requests=requests, seconds=2.0,
        p50_ms=5.0, p95_ms=9.0, p99_ms=12.0, ok=requests, redirects=0, client_errors=0,
        server_errors=0, socket_errors=0, new_decisions=0, exhausted=0,
    )  # fmt: skip
    values.update(kw)
    return WrkResult(**values)


def test_request_figures_compare_each_route_with_hello():
    results = [
        _wrk("hello", 16, 2000),
        _wrk("user", 16, 1600),
        _wrk("node", 16, 1400),
        _wrk("decide", 16, 300, new_decisions=300, ok=300, rows_written=301),
        _wrk("debrief", 16, 500),
        _wrk("hello", 16, 2200),
    ]
    found = {f.name: f for f in figures(results, "sqlite")}
    assert set(found) == {
        "hello c16 throughput", "user c16 throughput", "user c16 p95", "node c16 throughput",
        "node c16 p95", "decide c16 throughput", "decide c16 p95", "debrief c16 throughput",
        "debrief c16 p95",
    }  # fmt: skip
    assert found["hello c16 throughput"].value == 1050
    assert found["node c16 throughput"].ok is True  # 700/s >= 60 % of 1,050/s
    assert (
        found["decide c16 throughput"].value == 150 and found["decide c16 throughput"].ok is False
    )
    # The logged-in-user route is context: a share of hello, no target, and the pages'
    # shares of it beside theirs of hello.
    assert found["user c16 throughput"].ok is None and found["user c16 p95"].ok is None
    assert found["user c16 throughput"].note == "76.2% of hello"
    assert found["node c16 throughput"].note == "66.7% of hello, 88% of the user route"
    assert found["decide c16 throughput"].note == "14.3% of hello, 19% of the user route"
    broken = figures([_wrk("hello", 16, 100), _wrk("node", 16, 100, client_errors=3)])
    assert "4xx" in broken[1].note and broken[1].ok is False
    # A decision answered with a redirect (say, back to the form) is not a decision.
    bounced = figures([_wrk("hello", 16, 100), _wrk("decide", 16, 100, redirects=5)])
    assert "5 redirects" in bounced[1].note and bounced[1].ok is False


def test_leaderboard_figures_at_tiny_size(generated, tmp_path):
    database, _, course = generated
    app = bench_app(database, "bench-secret", tmp_path)
    found = measure_leaderboard(app, course, "sqlite", say=lambda _: None, max_seconds=10)
    assert [f.name for f in found] == [
        "leaderboard first page",
        "leaderboard CSV, full",
        "research export rate",
        "research export memory growth",
    ]
    by_name = {f.name: f for f in found}
    assert by_name["leaderboard CSV, full"].extra["rows"] == 5
    assert by_name["research export rate"].extra["rows"] >= course.counts["choices"]
    assert all(f.ok is not None and f.value >= 0 for f in found)
    assert "| sqlite | 5 |" in growth_table([("sqlite", 5, found)])
    with app.app_context():
        db.engine.dispose()


def test_authoring_figures_and_clean_copies():
    found = measure_authoring(ROOT / "cases", count=12, say=lambda _: None)
    assert [f.name for f in found] == ["lint + parse of 12 case files", "parse alone"]
    assert found[0].extra["errors"] == 0


def test_engine_figure_comes_from_the_engine_benchmark():
    (found,) = measure_engine(seconds=0.2, say=lambda _: None)
    assert found.name == "guideline evaluations" and found.value > 0


def test_report_prints_each_figure_beside_its_target():
    text = table([Figure("a", 1.0, "s", "<= 2 s", True), Figure("b", 3.0, "s", "<= 2 s", False)])
    assert "| ok" in text and "| MISSED" in text


@pytest.mark.parametrize("kernel_mark", [True, False])
def test_rss_peak_sees_memory_freed_before_the_block_ends(monkeypatch, kernel_mark):
    if not kernel_mark:  # the sampling thread, where the high-water mark cannot be reset
        monkeypatch.setattr("bench.leaderboard._reset_high_water_mark", lambda: False)
    baseline = rss_bytes()
    with RssPeak() as peak:
        block = bytearray(64 * 2**20)  # zero-filled: every page is touched
        if not kernel_mark:
            import time

            time.sleep(0.05)  # let the 2 ms sampler see it
        del block
    assert peak.peak - baseline >= 60 * 2**20


def test_each_route_is_compared_with_the_hello_runs_beside_it():
    # The machine slows down between the node and the decision runs: each is measured
    # against the hello runs next to it, not against the mean of all of them.
    assert run_order() == [
        "hello", "user", "hello", "node", "hello", "decide", "hello", "debrief", "hello",
    ]  # fmt: skip
    results = [
        _wrk("hello", 16, 2000),
        _wrk("node", 16, 1200),
        _wrk("hello", 16, 2000),
        _wrk("decide", 16, 200, new_decisions=200, ok=200, rows_written=200),
        _wrk("hello", 16, 1000),
        _wrk("node", 64, 1000),
        _wrk("hello", 64, 2000),
    ]
    found = {f.name: f for f in figures(results)}
    assert found["node c16 throughput"].note == "60.0% of hello"  # 1,200 of 2,000
    assert found["node c16 throughput"].ok is True
    assert found["decide c16 throughput"].note == "13.3% of hello"  # 200 of (2,000 + 1,000) / 2
    assert found["hello c16 throughput"].value == 1000 * 5 / 6  # all three runs, per second
    assert found["node c64 throughput"].note == "50.0% of hello"  # only a run after it


def test_with_several_rounds_each_route_reports_its_median_round():
    # Three rounds of user and node runs at 16 clients, each between hello runs (2,000/s);
    # the node page at 50 %, 70 % and 60 % of hello: the 60 % round is reported.
    results = []
    for node, user, p95, cpu_ms in ((2000, 3000, 30.0, 2.0), (2800, 3200, 10.0, 1.0),
                                    (2400, 3000, 20.0, 3.0)):  # fmt: skip
        results += [
            _wrk("hello", 16, 4000),
            _wrk("user", 16, user),
            _wrk("hello", 16, 4000),
            _wrk("node", 16, node, p95_ms=p95, cpu=CpuPerRequest(cpu_ms, 0.0, cpu_ms)),
        ]
    results.append(_wrk("hello", 16, 4000))
    found = {f.name: f for f in figures(results)}
    node = found["node c16 throughput"]
    assert node.value == 1200 and node.ok is True  # 1,200/s >= 60 % of 2,000/s
    # Beside the user route of the same round (1,500/s), then every round's share.
    assert node.note == (
        "60.0% of hello, 80% of the user route; the median of 3 rounds: 50.0%, 70.0%, 60.0%"
    )
    assert node.extra["shares_of_hello"] == [0.5, 0.7, 0.6]  # kept in --json
    assert found["node c16 p95"].value == 20.0  # the median round's
    # CPU over every round, weighted by requests: (2 x 2,000 + 1 x 2,800 + 3 x 2,400) / 7,200.
    assert found["node c16 CPU per request"].value == pytest.approx(14000 / 7200)
    # Of two rounds, the lower: 50 %, not 70 %.
    assert {f.name: f for f in figures(results[:9])}["node c16 throughput"].value == 1000
    # A round that went wrong fails the figure, whichever round is the median.
    results[3] = _wrk("node", 16, 2000, client_errors=3)
    broken = {f.name: f for f in figures(results)}["node c16 throughput"]
    assert broken.ok is False and "3 4xx" in broken.note


def test_a_share_just_under_its_target_does_not_read_as_the_target():
    # 1,196 node pages against 2,000 hellos is 59.8 %: missed, and said so to one decimal
    # (whole percents printed "60% of hello" beside MISSED).
    results = [_wrk("hello", 16, 4000), _wrk("node", 16, 2392), _wrk("hello", 16, 4000)]
    node = {f.name: f for f in figures(results)}["node c16 throughput"]
    assert node.ok is False and node.note == "59.8% of hello"


def test_cpu_per_request_is_given_beside_each_route_when_measured():
    spent = CpuPerRequest(workers_ms=1.0, database_ms=0.25, machine_ms=1.5)
    results = [
        _wrk("hello", 16, 1000, cpu=CpuPerRequest(0.5, 0.0, 0.6)),
        _wrk("node", 16, 500, cpu=spent),
        _wrk("hello", 16, 3000, cpu=CpuPerRequest(0.7, 0.0, 1.0)),
        _wrk("debrief", 16, 500),  # not measured (no /proc): no CPU figure
        _wrk("hello", 16, 1000),
    ]
    found = {f.name: f for f in figures(results)}
    node = found["node c16 CPU per request"]
    assert node.value == 1.5 and node.ok is None
    assert node.note == "gunicorn's workers 1.00 ms, the database server 0.25 ms"
    # hello's runs are weighted by their requests: (0.6 x 1,000 + 1.0 x 3,000) / 4,000.
    assert found["hello c16 CPU per request"].value == pytest.approx(0.9)
    assert found["hello c16 CPU per request"].extra["workers_ms"] == pytest.approx(0.65)
    assert "debrief c16 CPU per request" not in found


@pytest.mark.skipif(not Path("/proc/stat").exists(), reason="reads Linux's /proc")
def test_cpu_snapshots_count_a_servers_children_and_the_machine():
    # This process plays gunicorn's master; a child that burns 0.3 s of CPU plays a worker
    # started during the run (counted from zero), and stays alive to be read.
    burn = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"
    before = cpu.snapshot(os.getpid())
    busy = subprocess.Popen([sys.executable, "-c", burn + "time.sleep(30)"])
    try:
        deadline = time.monotonic() + 20
        after = cpu.snapshot(os.getpid())
        while after.workers.get(busy.pid, 0) < 0.3 and time.monotonic() < deadline:
            time.sleep(0.05)
            after = cpu.snapshot(os.getpid())
    finally:
        busy.kill()
        busy.wait()
    assert os.getpid() in after.workers and busy.pid in after.workers
    spent = cpu.per_request(before, after, requests=10)
    assert spent.workers_ms >= 30  # the child's 0.3 s over 10 requests, at least
    assert spent.machine_ms >= spent.workers_ms * 0.9  # the machine saw it too
    assert cpu.per_request(before, None, 10) is None  # no /proc at one end: no figure
