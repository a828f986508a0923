"""Discord's OAuth2 endpoints over plain HTTP (urllib: no extra dependency in Lambda).

The API base comes from settings.discord_api_base, so tests and the local
stack point it at a fake server that speaks the same protocol.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from roundtable.config import Settings

SCOPES = ("identify", "email", "guilds.join")
_TIMEOUT_SECONDS = 10


class DiscordOAuthError(RuntimeError):
    """Discord refused or failed a step of the login; `step` names which."""

    def __init__(self, step: str, detail: str) -> None:
        super().__init__(f"Discord {step} failed: {detail}")
        self.step = step


@dataclass(frozen=True)
class DiscordGrant:
    access_token: str
    refresh_token: str | None
    expires_in: int
    scope: str


@dataclass(frozen=True)
class DiscordProfile:
    id: str
    username: str
    global_name: str | None
    avatar: str | None
    email: str | None
    verified: bool


def authorize_base(api_base: str) -> str:
    """Where browsers are sent to approve: the site root, not the versioned API."""
    return re.sub(r"/api(/v\d+)?$", "", api_base) + "/oauth2/authorize"


class DiscordOAuthClient:
    """Exchanges an authorization code and reads the user it belongs to."""

    def __init__(self, api_base: str, client_id: str, client_secret: str) -> None:
        self.api_base = api_base.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret

    @classmethod
    def from_settings(cls, settings: Settings) -> DiscordOAuthClient:
        client_id = settings.discord_client_id or settings.discord_application_id or ""
        secret = settings.secret("DISCORD_CLIENT_SECRET") or ""
        return cls(settings.discord_api_base, client_id, secret)

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self._client_secret)

    def authorize_url(self, state: str, redirect_uri: str) -> str:
        query = urllib.parse.urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "scope": " ".join(SCOPES),
                "state": state,
                "redirect_uri": redirect_uri,
                "prompt": "none",
            },
            quote_via=urllib.parse.quote,
        )
        return f"{authorize_base(self.api_base)}?{query}"

    def exchange_code(self, code: str, redirect_uri: str) -> DiscordGrant:
        """Trade the authorization code for an access token."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        credentials = base64.b64encode(f"{self.client_id}:{self._client_secret}".encode())
        body = self._call(
            "token_exchange",
            "/oauth2/token",
            data=urllib.parse.urlencode(form).encode(),
            headers={
                "Authorization": f"Basic {credentials.decode()}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        try:
            return DiscordGrant(
                access_token=str(body["access_token"]),
                refresh_token=body.get("refresh_token"),
                expires_in=int(body.get("expires_in", 0)),
                scope=str(body.get("scope", "")),
            )
        except (KeyError, TypeError, ValueError):
            raise DiscordOAuthError("token_exchange", "malformed token response") from None

    def fetch_profile(self, access_token: str) -> DiscordProfile:
        """The Discord user the access token belongs to."""
        body = self._call(
            "user_fetch", "/users/@me", headers={"Authorization": f"Bearer {access_token}"}
        )
        try:
            return DiscordProfile(
                id=str(body["id"]),
                username=str(body["username"]),
                global_name=body.get("global_name"),
                avatar=body.get("avatar"),
                email=body.get("email"),
                verified=bool(body.get("verified", False)),
            )
        except (KeyError, TypeError):
            raise DiscordOAuthError("user_fetch", "malformed user response") from None

    def _call(
        self, step: str, path: str, *, data: bytes | None = None, headers: dict[str, str]
    ) -> dict[str, Any]:
        request = urllib.request.Request(
            self.api_base + path,
            data=data,
            headers={"User-Agent": "Roundtable (https://roundtable.example, 1)", **headers},
            method="POST" if data is not None else "GET",
        )
        try:
            with urllib.request.urlopen(request, timeout=_TIMEOUT_SECONDS) as response:
                parsed = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise DiscordOAuthError(step, f"HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, json.JSONDecodeError) as exc:
            raise DiscordOAuthError(step, str(exc)) from exc
        if not isinstance(parsed, dict):
            raise DiscordOAuthError(step, "response is not a JSON object")
        return parsed
