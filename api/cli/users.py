"""``yizhan user …``: staff accounts."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from api.cli.common import console

user_app = typer.Typer(help="账号 / staff accounts", no_args_is_help=True)


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="用户名 / user name")],
    role: Annotated[str, typer.Option(help="field_staff | reviewer | planner | admin")],
    generate: Annotated[
        bool, typer.Option(help="生成密码并显示一次 / generate a password and print it once")
    ] = False,
) -> None:
    """Add a staff account; the password is prompted for, or generated and printed once."""
    # Lazy: psycopg and argon2 would slow every start-up of the CLI.
    from geo.accounts import create_user, generate_password
    from geo.db.connection import transaction

    if generate:
        password = generate_password()
    else:
        password = typer.prompt("密码 / password", hide_input=True, confirmation_prompt=True)
    with transaction(actor="cli") as conn:
        user = create_user(conn, name, role, password)
    console.print(f"已添加用户 / user added: {user.name} ({user.role})")
    if generate:
        console.print(f"密码（只显示这一次）/ password (shown once): {password}", highlight=False)


@user_app.command("disable")
def user_disable(name: Annotated[str, typer.Argument(help="用户名 / user name")]) -> None:
    """Disable an account and end its logins (the account is kept for the audit)."""
    # Lazy: psycopg and argon2 would slow every start-up of the CLI.
    from geo.accounts import disable_user
    from geo.db.connection import transaction

    with transaction(actor="cli") as conn:
        disable_user(conn, name)
    console.print(f"已停用 / disabled: {name}")


@user_app.command("list")
def user_list() -> None:
    """List the accounts with their roles."""
    # Lazy: psycopg and argon2 would slow every start-up of the CLI.
    from geo.accounts import list_users
    from geo.db.connection import connect

    with connect() as conn:
        users = list_users(conn)
    table = Table("name", "role", "created", "disabled")
    for u in users:
        table.add_row(
            u["name"], u["role"], f"{u['created_at']:%Y-%m-%d}", str(u["disabled_at"] or "")
        )
    console.print(table)
