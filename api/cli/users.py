"""``yizhan user …``: staff accounts (add, list, disable, enable, passwd, role).

The same rules as the admin API (:mod:`geo.user_admin`): the last active admin can be
neither disabled nor demoted, passwords follow the same rules, and every change is
audited (``user_audit``) with the operating-system user as the actor (``cli:NAME``).
A password is prompted for, generated (``--generate``: printed once), or read from the
first line of standard input (``--password-stdin``, for scripts).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from api.cli.common import cli_actor, console
from geo.errors import InvalidInput

if TYPE_CHECKING:
    from geo.user_admin import Change

user_app = typer.Typer(help="账号 / staff accounts", no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(help="用户名 / user name")]
GenerateOpt = Annotated[
    bool, typer.Option(help="生成密码并显示一次 / generate a password and print it once")
]
StdinOpt = Annotated[
    bool,
    typer.Option(
        "--password-stdin",
        help="从标准输入的第一行读取密码（脚本用）/ read the password from the first line of stdin",
    ),
]


def _password(generate: bool, password_stdin: bool) -> str | None:
    """The password to set: None to generate one, else read from stdin or prompted."""
    if generate and password_stdin:
        raise InvalidInput(
            "--generate 与 --password-stdin 只能选一个",
            "use either --generate or --password-stdin, not both",
        )
    if generate:
        return None
    if password_stdin:
        line = sys.stdin.readline().removesuffix("\n").removesuffix("\r")
        if not line:
            raise InvalidInput(
                "标准输入中没有密码（第一行为空）",
                "no password on standard input (the first line is empty)",
            )
        return line
    return str(typer.prompt("密码 / password", hide_input=True, confirmation_prompt=True))


def _print_change(change: Change, done_zh: str, done_en: str) -> None:
    user = change.user
    if not change.changed:
        console.print(f"无改动 / no change: {user['name']} ({user['role']})")
    else:
        console.print(f"{done_zh} / {done_en}: {user['name']} ({user['role']})")
    if change.tokens_revoked:
        console.print(f"已结束登录 / logins ended: {change.tokens_revoked}")
    if change.password is not None:
        console.print(
            f"密码（只显示这一次）/ password (shown once): {change.password}", highlight=False
        )


@user_app.command("add")
def user_add(
    name: NameArg,
    role: Annotated[str, typer.Option(help="field_staff | reviewer | planner | admin")],
    generate: GenerateOpt = False,
    password_stdin: StdinOpt = False,
) -> None:
    """Add a staff account; the password is prompted for, read from stdin, or generated
    and printed once."""
    # Lazy: psycopg and argon2 would slow every start-up of the CLI.
    from geo.accounts import check_name, check_role
    from geo.db.connection import connect
    from geo.user_admin import add_user

    check_name(name)
    check_role(role)
    password = _password(generate, password_stdin)
    with connect() as conn:
        change = add_user(conn, cli_actor(), name, role, password)
    _print_change(change, "已添加用户", "user added")


@user_app.command("disable")
def user_disable(name: NameArg) -> None:
    """Disable an account and end its logins (the account is kept for the audit); the last
    active admin cannot be disabled."""
    from geo.db.connection import connect
    from geo.user_admin import disable_user

    with connect() as conn:
        change = disable_user(conn, cli_actor(), name)
    _print_change(change, "已停用", "disabled")


@user_app.command("enable")
def user_enable(name: NameArg) -> None:
    """Enable a disabled account again (its old logins stay ended)."""
    from geo.db.connection import connect
    from geo.user_admin import enable_user

    with connect() as conn:
        change = enable_user(conn, cli_actor(), name)
    _print_change(change, "已启用", "enabled")


@user_app.command("passwd")
def user_passwd(
    name: NameArg, generate: GenerateOpt = False, password_stdin: StdinOpt = False
) -> None:
    """Set a new password (prompted, read from stdin, or generated and printed once) and
    end every login of the account."""
    from geo.db.connection import connect
    from geo.user_admin import reset_password, user_detail

    with connect() as conn:
        user_detail(conn, name)  # an unknown name fails before the prompt
    password = _password(generate, password_stdin)
    with connect() as conn:
        change = reset_password(conn, cli_actor(), name, password)
    _print_change(change, "已重设密码", "password reset")


@user_app.command("role")
def user_role(
    name: NameArg,
    role: Annotated[str, typer.Argument(help="field_staff | reviewer | planner | admin")],
) -> None:
    """Give an account another role (at once, also for its live logins); the last active
    admin cannot be demoted."""
    from geo.db.connection import connect
    from geo.user_admin import set_role

    with connect() as conn:
        change = set_role(conn, cli_actor(), name, role)
    _print_change(change, "已改角色", "role changed")


@user_app.command("list")
def user_list() -> None:
    """List the accounts: role, active, created, last login."""
    from geo import clock
    from geo.db.connection import connect
    from geo.user_admin import list_users

    with connect() as conn:
        users = list_users(conn)
    city = clock.zone()  # times as the city reads them (YIZHAN_TIMEZONE)
    table = Table("name", "role", "active", "created", "last login")
    for u in users:
        last = u["last_login_at"]
        table.add_row(
            u["name"],
            u["role"],
            "yes" if u["active"] else f"no ({u['disabled_at'].astimezone(city):%Y-%m-%d})",
            f"{u['created_at'].astimezone(city):%Y-%m-%d}",
            f"{last.astimezone(city):%Y-%m-%d %H:%M}" if last else "",
        )
    console.print(table)
