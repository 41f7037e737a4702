"""`flask guideline ...`: evaluate options, print the vocabulary, list and compare versions.

Thin wrappers over ``edu.guideline``: each command reads its input, calls one function and
prints JSON (or the diff as text). Bad input prints exactly one line on standard error,
nothing on standard output, and exits 2, as the engine contract asks.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click
from flask import current_app
from flask.cli import AppGroup

from edu.guideline import GuidelineError, GuidelineLibrary, RulesFileError, load_library
from edu.guideline.diff import diff_guidelines
from edu.guideline.request import evaluate_request

guideline_cli = AppGroup("guideline", help="Evaluate options against the executable guideline.")

BAD_INPUT = 2
BROKEN_RULES = 1
MAX_INPUT_BYTES = 1024 * 1024


def _fail(message: str, status: int = BAD_INPUT) -> NoReturn:
    """Print one line on standard error and exit; nothing reaches standard output."""
    click.echo(f"error: {' '.join(message.split())}", err=True)
    sys.exit(status)


def _library() -> GuidelineLibrary:
    try:
        return load_library(Path(current_app.config["CASES_DIR"]) / "guidelines")
    except RulesFileError as exc:
        # a broken rules file is the deployment's fault, not the caller's: exit 1
        _fail(str(exc), BROKEN_RULES)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _read_input(file: str) -> str:
    try:
        if file == "-":
            raw = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        else:
            with open(file, "rb") as handle:
                raw = handle.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        _fail(f"cannot read {file}: {exc.strerror or exc}")
    if len(raw) > MAX_INPUT_BYTES:
        _fail(f"input is larger than {MAX_INPUT_BYTES} bytes")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        _fail("input is not UTF-8 text")


@guideline_cli.command("evaluate")
@click.argument("file")
def evaluate_command(file: str) -> None:
    """Judge the options of one decision; FILE is a JSON path, or - for standard input."""
    text = _read_input(file)
    try:
        request = json.loads(text)
    except json.JSONDecodeError as exc:
        _fail(f"invalid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
    library = _library()
    try:
        evaluation = evaluate_request(library, request)
    except GuidelineError as exc:
        _fail(str(exc))
    _echo_json(evaluation.to_json())


@guideline_cli.command("codes")
@click.option("--version", "version", default=None, help="A version or family (default: newest).")
def codes_command(version: str | None) -> None:
    """Print the whole vocabulary (decision kinds, codes, attributes) as JSON."""
    library = _library()
    try:
        guideline = library.get(version)
    except GuidelineError as exc:
        _fail(str(exc))
    _echo_json(guideline.vocabulary())


@guideline_cli.command("versions")
def versions_command() -> None:
    """List the guideline versions, newest first, as JSON."""
    library = _library()
    details = [
        {
            "version": g.version,
            "family": g.family,
            "title": g.title,
            "extends": g.extends,
            "rules": len(g.rules),
            "changes": list(g.changes),
        }
        for g in library
    ]
    _echo_json(
        {
            "versions": library.versions(),
            "newest": {family: library.newest(family).version for family in library.families()},
            "details": details,
        }
    )


@guideline_cli.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def diff_command(old: str, new: str, as_json: bool) -> None:
    """Show what changes between two versions, situation by situation."""
    library = _library()
    try:
        old_guideline, new_guideline = library.get(old), library.get(new)
    except GuidelineError as exc:
        _fail(str(exc))
    diff = diff_guidelines(old_guideline, new_guideline)
    if as_json:
        _echo_json(diff.to_json())
    else:
        click.echo(diff.to_text(), nl=False)
