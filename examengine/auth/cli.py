"""`flask users ...`: create accounts from the command line."""

from __future__ import annotations

import secrets

import click
from flask.cli import with_appcontext

from examengine.auth import service
from examengine.auth.permissions import ROLES
from examengine.errors import ExamEngineError

DEMO_USERS = [
    ("candidate", "candidate", "演示考生"),
    ("grader", "grader", "演示阅卷员"),
    ("grader2", "grader", "演示阅卷员二"),
    ("chief", "senior_grader", "演示阅卷组长"),
    ("writer", "item_writer", "演示命题员"),
    ("reviewer", "item_writer", "演示审题员"),
    ("staff", "staff", "演示考务"),
    ("admin", "admin", "演示管理员"),
]


@click.group("users", help="Manage user accounts.")
def users_cli() -> None:
    pass


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", "display_name", default="", help="Display name (defaults to the username).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Prompted for when not given.")
@with_appcontext
def create(username: str, role: str, display_name: str, password: str) -> None:
    """Create USERNAME with a role."""
    try:
        user = service.create_user(username, password, role, display_name, system=True)
    except ExamEngineError as exc:
        raise click.ClickException(f"{exc.code}: {exc.detail}") from exc
    click.echo(f"created {user.username} ({user.role})")


@users_cli.command("demo")
@with_appcontext
def demo() -> None:
    """Create a demo account for every role (passwords are printed once, when created)."""
    created = []
    for username, role, name in DEMO_USERS:
        if service.get_user(username) is not None:
            continue
        password = secrets.token_urlsafe(9)
        service.create_user(username, password, role, name, system=True)
        created.append((username, role, password))
    if created:
        click.echo("Demo accounts (passwords are shown only now; keep them):")
        for username, role, password in created:
            click.echo(f"  {username:<10} {role:<12} {password}")
    else:
        click.echo("Demo accounts exist already: " + ", ".join(u for u, _, _ in DEMO_USERS)
                   + " (reset one with `flask users password USERNAME`).")


@users_cli.command("password")
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def password(username: str, password: str) -> None:
    """Set a user's password."""
    user = service.get_user(username)
    if user is None:
        raise click.ClickException(f"no user {username}")
    try:
        service.set_password(user, password)
    except ExamEngineError as exc:
        raise click.ClickException(f"{exc.code}: {exc.detail}") from exc
    click.echo(f"password of {username} changed")
