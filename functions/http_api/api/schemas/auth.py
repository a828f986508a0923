"""Auth request and response models."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DevLoginCreate(BaseModel):
    display_name: str = Field(min_length=1, max_length=80)
    as_admin: bool = False


class SessionPublic(BaseModel):
    """A session was started or renewed; the tokens travel in cookies only."""

    status: str
    user_id: int
    access_expires_in: int


class DevLoginStatusPublic(BaseModel):
    """Whether this stack offers the dev login (the local stack may; a deployed one never)."""

    enabled: bool


class SignInMethodsPublic(BaseModel):
    """How one can sign in here, so the sign-in page offers only what works."""

    discord: bool = Field(description="Discord login is configured (client id and secret)")
    dev_login: bool = Field(description="the dev login by name (local stack only)")
