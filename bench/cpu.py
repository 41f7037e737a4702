"""Where a load run's CPU goes: gunicorn's processes, the database server's, the machine's.

Read from Linux's ``/proc`` just before and just after each wrk run, and divided by the
requests the run served, so each route's figure says how many milliseconds of CPU one of
its requests cost and who spent them:

- *workers*: gunicorn's master and its worker processes (the application; SQLite's own
  work is in here too, since it runs inside the workers);
- *database server*: every process named ``postgres`` on this machine (the server's
  backends, WAL writer, checkpointer...), zero on SQLite or with a database elsewhere;
- *machine*: every core's busy time (user, system and interrupts; not idle, I/O wait or
  the hypervisor's steal), which adds wrk, the kernel's interrupts and anything else
  running.

On two cores the targets are shares of hello's throughput, so these figures show why a
route falls short: on PostgreSQL the server's work shares the cores the workers need. Where
``/proc`` is missing (not Linux), :func:`snapshot` returns ``None`` and no CPU figures are
given. The readings are per process and cheap (a few hundred small files, once per run).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
DATABASE_SERVER = "postgres"  # the name PostgreSQL's processes carry in /proc/<pid>/stat


@dataclass(frozen=True)
class Snapshot:
    """CPU seconds so far: per process of each group (by pid), and the machine's busy time."""

    workers: dict[int, float]
    database: dict[int, float]
    machine_busy: float


@dataclass(frozen=True)
class CpuPerRequest:
    """Milliseconds of CPU one request cost, over a whole run."""

    workers_ms: float
    database_ms: float
    machine_ms: float


def snapshot(server_pid: int) -> Snapshot | None:
    """The CPU time of the server ``server_pid`` (with its children), of the database
    server's processes and of the machine, now; ``None`` without ``/proc``."""
    machine = _machine_busy()
    if machine is None:
        return None
    workers: dict[int, float] = {}
    database: dict[int, float] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(entry)
        if stat is None:
            continue  # the process ended while we looked
        name, parent, seconds = stat
        pid = int(entry.name)
        if pid == server_pid or parent == server_pid:
            workers[pid] = seconds
        elif name == DATABASE_SERVER:
            database[pid] = seconds
    return Snapshot(workers, database, machine)


def per_request(
    before: Snapshot | None, after: Snapshot | None, requests: int
) -> CpuPerRequest | None:
    """What the run between two snapshots cost per request. A process that started during
    the run counts from zero; one that ended during it is lost (gunicorn's workers and a
    pool's database connections live through a run)."""
    if before is None or after is None or requests <= 0:
        return None

    def spent(then: dict[int, float], now: dict[int, float]) -> float:
        return sum(seconds - then.get(pid, 0.0) for pid, seconds in now.items())

    per = 1000.0 / requests
    return CpuPerRequest(
        workers_ms=spent(before.workers, after.workers) * per,
        database_ms=spent(before.database, after.database) * per,
        machine_ms=(after.machine_busy - before.machine_busy) * per,
    )


def _stat(process: Path) -> tuple[str, int, float] | None:
    """A process's name, parent pid and CPU seconds (user + system)."""
    try:
        text = (process / "stat").read_text()
    except OSError:
        return None
    # The name is in parentheses and may itself hold spaces or parentheses.
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    # After the name: state, ppid, ..., utime and stime are fields 14 and 15 of stat(5).
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK


def _machine_busy() -> float | None:
    """Seconds all cores have spent busy since boot (see the comment for which columns)."""
    try:
        first = (PROC / "stat").read_text().splitlines()[0].split()
    except OSError:
        return None
    # cpu user nice system idle iowait irq softirq steal guest guest_nice: the busy ones
    # are user, nice, system, irq and softirq (guest time is inside user already; steal is
    # the hypervisor's, time this machine did not get).
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in first[1:8])
    return (user + nice + system + irq + softirq) / _TICK
