"""Logging in: the bearer token, the credentials of a page login, who is logged in."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Role


class TokenOut(BaseModel):
    """A bearer token for the API and when it expires."""

    access_token: str
    token_type: str = "bearer"
    expires_at: datetime


class Credentials(BaseModel):
    """A user name and password, for a page login."""

    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class UserOut(BaseModel):
    """Who is logged in and their role."""

    name: str
    role: Role
    role_zh: str
