"""`flask cases sync`: load the case directory into the database."""

import sys

import click

from edu.services.guidelines import cases_dir, current_library
from edu.services.library import sync_directory


@click.command("sync")
def sync_command() -> None:
    """Load cases/ into the database: new versions for changed files, lint errors rejected.

    Exits 1 when any file was rejected (its previous version, if any, stays published).
    """
    entries = sync_directory(cases_dir(), current_library())
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.status] = counts.get(entry.status, 0) + 1
        version = f" (version {entry.version})" if entry.version else ""
        click.echo(f"{entry.status:<9} {entry.path}{version}")
        if entry.status == "rejected":
            for finding in entry.findings:
                if finding.severity == "error":
                    click.echo(f"          {finding}", err=True)
    summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "no case files"
    click.echo(f"sync: {summary}")
    if counts.get("rejected"):
        sys.exit(1)
