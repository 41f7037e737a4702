"""`flask cases lint|coverage`: check the case library from the command line.

Thin wrappers: find the files, call :mod:`edu.cases`, print. Findings go to standard
output as ``file:line: severity: message`` (one per line, so editors can jump to them);
summaries and problems with the command itself go to standard error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from edu.cases import Document, find_case_files, lint_files
from edu.cases.coverage import compute_coverage
from edu.guideline import GuidelineError, GuidelineLibrary, load_library

cases_cli = AppGroup("cases", help="Lint case files and report what the library teaches.")


def _cases_dir() -> Path:
    return Path(current_app.config["CASES_DIR"])


def _shown(path: Path) -> str:
    """Name a file relative to the working directory when it is below it (editors like it)."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if relative.startswith("..") else relative


def _library(directory: Path) -> tuple[GuidelineLibrary | None, str | None]:
    """Return the guideline library, or None and a ``file:line: error:`` line saying why."""
    try:
        return load_library(directory), None
    except GuidelineError as exc:
        where = getattr(exc, "path", str(directory))
        problem = getattr(exc, "problem", str(exc))
        return None, (
            f"{_shown(Path(where))}:1: error: the guideline rules cannot be loaded ({problem}); "
            "only the checks that need no guideline ran"
        )
    except OSError as exc:
        return None, f"{_shown(directory)}:1: error: cannot read the guideline rules: {exc}"


@cases_cli.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path, dir_okay=True))
def lint_command(paths: tuple[Path, ...]) -> None:
    """Check case and quiz files (default: the whole case directory).

    Prints one `file:line: error|warning: message` line per finding and exits 1 when there
    is any error.
    """
    root = _cases_dir()
    targets = list(paths) or [root]
    if not paths and not root.is_dir():
        raise click.UsageError(f"the case directory {root} does not exist (CASES_DIR)")
    files = find_case_files(targets)
    library, problem = _library(root / "guidelines")
    if problem:
        click.echo(problem)
    results = lint_files(files, library, {path: _shown(path) for path in files})
    errors = warnings = 0
    for result in results:
        for finding in result.findings:
            click.echo(str(finding))
            errors += finding.is_error
            warnings += not finding.is_error
    errors += problem is not None
    click.echo(f"{len(files)} file(s) checked: {errors} error(s), {warnings} warning(s)", err=True)
    if errors:
        sys.exit(1)


@cases_cli.command("coverage")
@click.option(
    "--guideline",
    "name",
    default=None,
    help="Guideline version or family to report on (default: the newest version).",
)
def coverage_command(name: str | None) -> None:
    """List, for every rule and pitfall of the guideline, the cases and items that teach it.

    Exits 1 when any rule or pitfall is exercised by nothing.
    """
    root = _cases_dir()
    if not root.is_dir():
        raise click.UsageError(f"the case directory {root} does not exist (CASES_DIR)")
    library, problem = _library(root / "guidelines")
    if library is None:
        click.echo(problem, err=True)
        sys.exit(1)
    try:
        guideline = library.get(name)
    except GuidelineError as exc:
        raise click.BadParameter(str(exc), param_hint="--guideline") from None
    files = find_case_files([root])
    documents: list[Document] = []
    for result in lint_files(files, None, {path: _shown(path) for path in files}):
        if result.document is not None and result.ok:
            documents.append(result.document)
        elif result.findings:
            click.echo(
                f"skipped {result.findings[0].path}: it has errors (run `flask cases lint`)",
                err=True,
            )
    report = compute_coverage(documents, guideline)
    click.echo(report.to_text())
    if not report.ok:
        sys.exit(1)
