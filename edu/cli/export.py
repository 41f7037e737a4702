"""`flask export ...`: the course exports of the courses pages, from the command line.

Each command finds the course by its join code, asks ``services.gradebook`` for the lines
and writes them as they come, so a course of thousands of learners streams to the file.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

import click
from flask.cli import AppGroup

from edu.models import Course
from edu.services import courses, gradebook

export_cli = AppGroup("export", help="Export a course's leaderboard, gradebooks or research data.")

course_option = click.option(
    "--course", "code", required=True, metavar="CODE", help="The course's join code."
)
output_option = click.option(
    "-o",
    "--output",
    type=click.File("wb", lazy=True),
    default="-",
    show_default=True,
    help="File to write; - for standard output.",
)


def _course(code: str) -> Course:
    course = courses.find_by_code(code)
    if course is None:
        click.echo(f"error: no course has the join code {code!r}", err=True)
        sys.exit(2)
    return course


def write_lines(lines: Iterable[str], output, *, chunk_bytes: int = 64 * 1024) -> int:
    """Write ``lines`` to the binary file ``output`` as UTF-8; return the number of lines.

    Bytes, not text, so the CRLF line ends and the BOM arrive exactly as the writers made
    them, whatever the platform's newline translation. Lines are gathered into chunks
    because ``click.echo`` flushes on every call.
    """
    count = 0
    parts: list[bytes] = []
    size = 0
    for line in lines:
        data = line.encode("utf-8")
        parts.append(data)
        size += len(data)
        count += 1
        if size >= chunk_bytes:
            click.echo(b"".join(parts), file=output, nl=False)
            parts, size = [], 0
    if parts:
        click.echo(b"".join(parts), file=output, nl=False)
    return count


@export_cli.command("leaderboard")
@course_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json"]),
    default="csv",
    show_default=True,
    help="CSV for spreadsheets, JSON for programs.",
)
@output_option
def leaderboard_command(code: str, fmt: str, output) -> None:
    """The leaderboard: name, email, best score per assignment, total, rank, completed_at."""
    course = _course(code)
    if fmt == "json":
        write_lines(gradebook.leaderboard_json_chunks(course), output)
    else:
        write_lines(gradebook.export_lines(course, "leaderboard"), output)


@export_cli.command("canvas")
@course_option
@output_option
def canvas_command(code: str, output) -> None:
    """The Canvas gradebook import file (Grades > Import)."""
    write_lines(gradebook.export_lines(_course(code), "canvas"), output)


@export_cli.command("moodle")
@course_option
@output_option
def moodle_command(code: str, output) -> None:
    """The Moodle grade import file (Grades > Import > CSV file)."""
    write_lines(gradebook.export_lines(_course(code), "moodle"), output)


@export_cli.command("research")
@course_option
@click.option(
    "--pseudonymise",
    is_flag=True,
    help="Write each learner's stable pseudonym instead of their email.",
)
@output_option
def research_command(code: str, pseudonymise: bool, output) -> None:
    """One row per decision: learner, case, versions, decision, option, verdict, points, time."""
    lines = gradebook.export_lines(_course(code), "research", pseudonymise=pseudonymise)
    write_lines(lines, output)
