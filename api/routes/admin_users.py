"""User administration for admins: list, add, disable, enable, reset a password, change a
role. The rules (the last active admin, password rules, the audit) are geo's
(:mod:`geo.user_admin`); this module only maps HTTP to them."""

from __future__ import annotations

from typing import Annotated, Any

import psycopg
from fastapi import APIRouter, Depends, Path, Response

from api.auth import admin_user
from api.deps import get_conn
from api.openapi import error
from api.schemas.users import (
    NAME_PATTERN,
    AdminUserDetail,
    AdminUserOut,
    RoleChange,
    UserChangeOut,
    UserCreate,
)
from geo import user_admin
from geo.accounts import User
from geo.user_admin import Change

router = APIRouter(prefix="/api/v1/admin/users", tags=["admin"])

Conn = Annotated[psycopg.Connection[Any], Depends(get_conn)]
Admin = Annotated[User, Depends(admin_user)]
Name = Annotated[
    str, Path(min_length=2, max_length=64, pattern=NAME_PATTERN, description="用户名 / user name")
]
LAST_ADMIN = error(
    409,
    "最后一个启用的管理员不能停用或降级（code last_admin）/ the last active admin cannot be "
    "disabled or demoted (code last_admin)",
)


def _out(change: Change, response: Response) -> UserChangeOut:
    # A generated password must not stay in any cache on the way.
    response.headers["Cache-Control"] = "no-store"
    return UserChangeOut(
        user=AdminUserOut.model_validate(change.user),
        changed=change.changed,
        password=change.password,
        tokens_revoked=change.tokens_revoked,
    )


@router.get("", response_model=list[AdminUserOut])
def list_users(user: Admin, conn: Conn) -> list[dict[str, Any]]:
    """Every account by name: role, active, created, last login."""
    return user_admin.list_users(conn)


@router.get("/{name}", response_model=AdminUserDetail)
def get_user(name: Name, user: Admin, conn: Conn) -> dict[str, Any]:
    """One account with its audit (who changed what, when), oldest first."""
    return user_admin.user_detail(conn, name)


@router.post(
    "",
    response_model=UserChangeOut,
    status_code=201,
    responses=error(409, "用户名已存在 / the name is taken"),
)
def add_user(body: UserCreate, user: Admin, conn: Conn, response: Response) -> UserChangeOut:
    """Add an account. Without `password` one is generated and returned once in
    `password`; a given password is never echoed."""
    change = user_admin.add_user(conn, user.name, body.name, body.role, body.password)
    response.headers["Location"] = f"/api/v1/admin/users/{body.name}"
    return _out(change, response)


@router.post("/{name}/disable", response_model=UserChangeOut, responses=LAST_ADMIN)
def disable_user(name: Name, user: Admin, conn: Conn, response: Response) -> UserChangeOut:
    """Disable an account (kept for the history) and end all its logins; 409 for the last
    active admin (also an admin's own account)."""
    return _out(user_admin.disable_user(conn, user.name, name), response)


@router.post("/{name}/enable", response_model=UserChangeOut)
def enable_user(name: Name, user: Admin, conn: Conn, response: Response) -> UserChangeOut:
    """Enable a disabled account again; its old logins stay ended."""
    return _out(user_admin.enable_user(conn, user.name, name), response)


@router.post("/{name}/password", response_model=UserChangeOut)
def reset_password(name: Name, user: Admin, conn: Conn, response: Response) -> UserChangeOut:
    """Reset the password to a generated one, returned once in `password`, and end every
    login of the account."""
    return _out(user_admin.reset_password(conn, user.name, name), response)


@router.patch("/{name}", response_model=UserChangeOut, responses=LAST_ADMIN)
def change_role(
    name: Name, body: RoleChange, user: Admin, conn: Conn, response: Response
) -> UserChangeOut:
    """Change the role; live logins keep working with the new role at once. 409 for
    demoting the last active admin."""
    return _out(user_admin.set_role(conn, user.name, name, body.role), response)
