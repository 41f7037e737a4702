"""`flask demo load`: demo accounts and a demo course for a local try-out."""

import click
from flask.cli import AppGroup

from edu.services.demo import DEMO_COURSE_CODE, load_demo

demo_cli = AppGroup("demo", help="Demo data for a local try-out.")


@demo_cli.command("load")
def load_command() -> None:
    """Create the demo accounts and course (harmless to run twice)."""
    for account in load_demo():
        click.echo(f"  {account.role.value:<10} {account.email:<22} password: {account.password}")
    click.echo(f"  demo course join code: {DEMO_COURSE_CODE}")
