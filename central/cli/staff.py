"""`central staff ...`: staff accounts (the first admin is created here). Thin commands over
`central.staff.accounts`; errors reach `central.cli.main`."""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from central.db import make_engine, migrate, new_session
from central.services.context import ServiceContext
from central.settings import Settings
from central.staff import accounts

staff_app = typer.Typer(help="Staff accounts: desk staff and admins (separate from patrons).", no_args_is_help=True)
OPERATOR = "operator:cli"


@contextmanager
def operator_context() -> Iterator[ServiceContext]:
    """The operator at the server's terminal (the audit log names them "operator:cli")."""
    settings = Settings()
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        with new_session(engine) as session:
            yield ServiceContext(session, settings.policy(), OPERATOR, None)
    finally:
        engine.dispose()


def read_password(confirm: bool = True) -> str:
    """From the terminal (typed twice, hidden), or the first line of stdin when it is not a terminal."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password / パスワード", hide_input=True, confirmation_prompt=confirm))


@staff_app.command("add", help="Create a staff account (the first admin too); prompts for the password or reads stdin.")
def add(
    username: Annotated[str, typer.Argument(help="Login name: lower-case letters, digits and ._- (2-64).")],
    role: Annotated[str, typer.Option(help="admin (conflicts, devices and the desk) or desk (the desk only).")],
    name: Annotated[str, typer.Option(help="Name shown in the pages and the audit trail.")] = "",
) -> None:
    password = read_password()
    with operator_context() as ctx:
        member = accounts.add_staff(ctx, username, role, password, name)
    Console().print(f"staff account [bold]{member.username}[/] ({member.role}) created as staff:{member.id}")


@staff_app.command("list", help="List staff accounts with role and whether they are active.")
def list_staff() -> None:
    with operator_context() as ctx:
        users = accounts.all_staff(ctx)
    table = Table("id", "username", "name", "role", "active", "created")
    for user in users:
        table.add_row(
            str(user.id),
            user.username,
            user.display_name,
            user.role,
            "yes" if user.active else "no",
            f"{user.created_at:%Y-%m-%d}",
        )
    Console().print(table)


@staff_app.command("password", help="Set a new password for a staff account (its sessions end).")
def password(username: Annotated[str, typer.Argument(help="The account's username.")]) -> None:
    new = read_password()
    with operator_context() as ctx:
        accounts.set_password(ctx, accounts.staff_by_username(ctx, username), new)
    Console().print(f"password of {username} changed; its sessions have ended")


@staff_app.command("disable", help="Disable a staff account: it can no longer sign in (kept for the audit trail).")
def disable(username: Annotated[str, typer.Argument(help="The account's username.")]) -> None:
    with operator_context() as ctx:
        accounts.set_active(ctx, accounts.staff_by_username(ctx, username), False)
    Console().print(f"staff account {username} disabled")
