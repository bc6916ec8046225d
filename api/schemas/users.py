"""User administration (admins): the accounts as admins see them and the changes they send."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Role
from geo.accounts import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

#: An account name, as the users table allows it.
NAME_PATTERN = r"^[A-Za-z0-9_.@-]{2,64}$"
UserName = Annotated[
    str,
    Field(min_length=2, max_length=64, pattern=NAME_PATTERN, description="用户名 / user name"),
]
Password = Annotated[
    str,
    Field(
        min_length=MIN_PASSWORD_LENGTH,
        max_length=MAX_PASSWORD_LENGTH,
        description=f"密码 / password ({MIN_PASSWORD_LENGTH}–{MAX_PASSWORD_LENGTH} characters)",
    ),
]


class AdminUserOut(BaseModel):
    """An account: never its password or hash."""

    name: str
    role: Role
    role_zh: str
    active: bool = Field(description="可登录 / may log in (not disabled)")
    created_at: datetime
    disabled_at: datetime | None
    last_login_at: datetime | None = Field(description="上次登录 / last successful login")


class UserAuditOut(BaseModel):
    """One change to an account: what, by whom, when, before and after (no hashes)."""

    action: str = Field(description="create | role | disable | enable | password | update")
    actor: str
    reason: str | None
    at: datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AdminUserDetail(AdminUserOut):
    """An account with its audit, oldest first."""

    audit: list[UserAuditOut]


class UserCreate(BaseModel):
    """A new account; without a password one is generated and returned once."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "li.review", "role": "reviewer"}]},
    )
    name: UserName
    role: Role
    password: Password | None = None


class RoleChange(BaseModel):
    """The account's new role (applies at once to its live logins)."""

    model_config = ConfigDict(extra="forbid")
    role: Role


class UserChangeOut(BaseModel):
    """What a change did: the account after it; a generated password, shown only here."""

    user: AdminUserOut
    changed: bool = Field(description="有无改动 / whether anything changed")
    password: str | None = Field(
        default=None,
        description="生成的密码，只显示这一次 / the generated password, shown this once only",
    )
    tokens_revoked: int = Field(default=0, description="结束的登录数 / logins ended")
