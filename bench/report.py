"""Figures beside their targets: ``figure | value | target | ok/MISSED``."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field


@dataclass
class Figure:
    """One measured figure and, when the issue sets one, its target.

    ``check`` compares the value with the target (``None``: informational, no target).
    ``scope`` says which run it came from (``sqlite small``, ``postgres full`` ...).
    """

    name: str
    value: float
    unit: str
    target: str = ""
    ok: bool | None = None
    note: str = ""
    scope: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        if self.ok is None:
            return "-"
        return "ok" if self.ok else "MISSED"


def at_least(name: str, value: float, unit: str, minimum: float, **kw) -> Figure:
    """A figure that must reach ``minimum``."""
    return Figure(name, value, unit, f">= {_number(minimum)} {unit}", value >= minimum, **kw)


def at_most(name: str, value: float, unit: str, maximum: float, **kw) -> Figure:
    """A figure that must stay at or under ``maximum``."""
    return Figure(name, value, unit, f"<= {_number(maximum)} {unit}", value <= maximum, **kw)


def info(name: str, value: float, unit: str, **kw) -> Figure:
    """A figure without a target (context for the others)."""
    return Figure(name, value, unit, **kw)


def _number(value: float) -> str:
    if value >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


def table(figures: Sequence[Figure]) -> str:
    """Return the figures as aligned ``figure | value | target | ok/MISSED`` lines."""
    rows = [("figure", "value", "target", "ok/MISSED")]
    for f in figures:
        name = f"[{f.scope}] {f.name}" if f.scope else f.name
        if f.note:
            name = f"{name} ({f.note})"
        rows.append((name, f"{_number(f.value)} {f.unit}", f.target or "-", f.verdict))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in rows]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def to_json(figures: Iterable[Figure]) -> str:
    return json.dumps([asdict(f) | {"verdict": f.verdict} for f in figures], indent=1)


Progress = Callable[[str], None]
