"""Authoring: lint and parse of 1,000 case files, as ``flask cases lint DIR`` does it.

The files are the library's cases and quiz banks, varied so that no two are the same text:
each copy gets its own id and title, a different patient name and age, and a sentence of
its own at the top of every node or quiz item. The engine-relevant facts are left alone, so
every copy must lint as cleanly as its original (the run checks that it does).

Timed: loading the guideline library plus :func:`edu.cases.lint_paths` over the directory,
which parses every file and runs every structural and guideline check. Parsing alone
(:func:`edu.cases.parse_document` per file) is timed too, for context.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.report import Figure, at_most, info
from edu.cases import lint_paths, parse_document
from edu.guideline import clear_cache, load_library

LINT_SECONDS = 5.0
FILES = 1000

_ID = re.compile(r"^id:\s*(\S+)\s*$", re.MULTILINE)
_TITLE = re.compile(r"^title:\s*(.+)$", re.MULTILINE)
_NAME = re.compile(r"^(  name:\s*)(.+)$", re.MULTILINE)
_AGE = re.compile(r"^(  age:\s*)(\d+)\s*$", re.MULTILINE)
_HEADING = re.compile(r"^(## .+\{#[a-z0-9-]+\}\s*)$", re.MULTILINE)
NAMES = ("Amira S.", "Beatriz L.", "Chen W.", "Dana K.", "Esther M.", "Farah N.", "Greta O.")


def source_files(cases_dir: Path) -> list[Path]:
    """The library's case and quiz files (as ``flask cases sync`` finds them)."""
    return sorted(
        p
        for p in cases_dir.rglob("*.md")
        if "guidelines" not in p.relative_to(cases_dir).parts and p.name.lower() != "readme.md"
    )


def variant(text: str, number: int) -> str:
    """Return ``text`` as a distinct file: own id, title, patient name, age and sentences."""
    text = _ID.sub(lambda m: f"id: {m.group(1)}-v{number:04d}", text, count=1)
    text = _TITLE.sub(lambda m: "title: " + _suffixed(m.group(1), f" (variant {number})"), text, 1)
    text = _NAME.sub(lambda m: m.group(1) + NAMES[number % len(NAMES)], text, count=1)
    text = _AGE.sub(lambda m: f"{m.group(1)}{int(m.group(2)) + number % 7}", text, count=1)
    return _HEADING.sub(
        lambda m: f"{m.group(1)}\n\nClinic note {number}: seen by team {number % 11}.\n", text
    )


def _suffixed(value: str, suffix: str) -> str:
    """Append ``suffix`` to a YAML scalar, inside its quotes when it is quoted."""
    value = value.rstrip()
    if len(value) > 1 and value[0] == value[-1] and value[0] in "\"'":
        return value[:-1] + suffix + value[-1]
    return value + suffix


def make_case_files(cases_dir: Path, directory: Path, count: int = FILES) -> list[Path]:
    """Write ``count`` varied copies of the library's files into ``directory``."""
    sources = [p.read_text(encoding="utf-8") for p in source_files(cases_dir)]
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for number in range(count):
        path = directory / f"case-{number:04d}.md"
        path.write_text(variant(sources[number % len(sources)], number), encoding="utf-8")
        written.append(path)
    return written


def measure_authoring(
    cases_dir: Path, count: int = FILES, scope: str = "", say: Callable[[str], None] = print
) -> list[Figure]:
    """Time lint + parse of ``count`` generated case files; return the figures."""
    work = Path(tempfile.mkdtemp(prefix="edu-bench-cases-"))
    try:
        files = make_case_files(cases_dir, work / "cases", count)
        clear_cache()  # the timed run loads the rules as `flask cases lint` would
        started, cpu_started = time.perf_counter(), time.process_time()
        library = load_library(cases_dir / "guidelines")
        findings = lint_paths([work / "cases"], library)
        lint_seconds = time.perf_counter() - started
        lint_cpu = time.process_time() - cpu_started
        started = time.perf_counter()
        for path in files:
            parse_document(path.read_bytes(), str(path))
        parse_seconds = time.perf_counter() - started
        # After the timed run, so the originals do not warm any cache for it.
        original_errors = sum(1 for f in lint_paths(source_files(cases_dir), library) if f.is_error)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    errors = sum(1 for f in findings if f.is_error)
    say(
        f"  {count} case files: lint + parse {lint_cpu:.2f} CPU-s ({lint_seconds:.2f} s wall), "
        f"parse alone {parse_seconds:.2f} s, {errors} errors"
    )
    # CPU time, as the engine's benchmark reports: single-threaded work that a shared
    # machine's other load would otherwise charge to the linter. Wall clock is beside it.
    note = f"CPU time; wall clock {lint_seconds:.2f} s; {count / lint_cpu:,.0f} files/s"
    figure = at_most(
        f"lint + parse of {count:,} case files", lint_cpu, "s",
        LINT_SECONDS * count / FILES, note=note, scope=scope,
        extra={"files": count, "errors": errors, "wall_seconds": lint_seconds},
    )  # fmt: skip
    if errors and not original_errors:
        figure.ok = False
        figure.note += f"; {errors} lint errors in copies of clean files: the variants are broken"
    return [
        figure,
        info("parse alone", parse_seconds, "s", note=f"{count:,} files", scope=scope),
    ]  # fmt: skip
