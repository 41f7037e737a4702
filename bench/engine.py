"""Guideline evaluations per second: runs the guideline engineer's ``bench/bench_engine.py``.

That script is the one measurement of the engine (a realistic mix of patients, full
``Guideline.evaluate`` calls, CPU time on one core); this module only runs it bounded and
reads its figure, so there is no second engine benchmark to drift from the first.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from bench.report import Figure, at_least

SCRIPT = Path(__file__).resolve().parent / "bench_engine.py"
TARGET = 20_000
_FIGURE = re.compile(
    r"(?P<version>\S+): (?P<rate>[\d,]+) evaluations per CPU-second.*?wall clock (?P<wall>[\d,]+)/s"
)


def measure_engine(
    seconds: float = 2.0, scope: str = "", say: Callable[[str], None] = print
) -> list[Figure]:
    """Run bench_engine.py for ``seconds`` of CPU time and return its figure."""
    if not SCRIPT.exists():
        raise FileNotFoundError(f"{SCRIPT} is missing (the guideline engine's benchmark)")
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--seconds", str(seconds)],
        capture_output=True,
        text=True,
        timeout=seconds * 10 + 60,
    )
    found = _FIGURE.search(done.stdout)
    if found is None:
        raise RuntimeError(f"bench_engine.py printed no figure: {done.stdout}{done.stderr}")
    rate = float(found["rate"].replace(",", ""))
    wall = float(found["wall"].replace(",", ""))
    say(
        f"  guideline {found['version']}: {rate:,.0f} evaluations per CPU-second ({wall:,.0f}/s wall)"
    )
    return [
        at_least(
            "guideline evaluations", rate, "evaluations/s", TARGET,
            note=f"{found['version']}, CPU time on one core; wall clock {wall:,.0f}/s",
            scope=scope, extra={"wall_per_s": wall},
        )
    ]  # fmt: skip
