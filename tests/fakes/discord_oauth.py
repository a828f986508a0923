"""A fake of Discord's OAuth2 endpoints, speaking the real protocol over HTTP.

- GET  /oauth2/authorize  the consent page: approves as `approving_user` (302 to the
                          redirect URI with code and state), or 302 with error=access_denied.
- POST /oauth2/token      authorization_code grant; client credentials by HTTP Basic or
                          form fields; codes are single use and bound to their redirect URI.
- GET  /users/@me         the user behind a Bearer access token.

Errors use Discord's shapes: {"error", "error_description"} from the token endpoint,
{"message", "code"} from the API, 429 with retry_after via `fail_next`.

`DiscordOAuthRoutes` is a mixin, so the same server can also be the fake guild
(tests/fakes/discord_guild.py) when a login adds the user to the guild:
`class FakeDiscordWithLogin(DiscordOAuthRoutes, FakeDiscordGuild)`.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

from tests.fakes.contracts import DISCORD
from tests.fakes.discord_objects import complete_answer
from tests.fakes.http import FakeService, Request, Response


@dataclass
class DiscordUser:
    id: str
    username: str
    global_name: str | None = None
    avatar: str | None = None
    email: str | None = None
    verified: bool = True

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "global_name": self.global_name,
            "avatar": self.avatar,
            "discriminator": "0",
            "email": self.email,
            "verified": self.verified,
        }


class DiscordOAuthRoutes(FakeService):
    """Discord's OAuth2 endpoints, added to whatever fake Discord this is mixed into."""

    contract = DISCORD
    answer_as_vendor = staticmethod(complete_answer)

    def __init__(
        self, client_id: str = "roundtable-client", client_secret: str = "s3cr3t", **options: Any
    ) -> None:
        super().__init__(**options)
        self.client_id = client_id
        self.client_secret = client_secret
        self.approving_user: DiscordUser | None = None
        self._codes: dict[str, tuple[DiscordUser, str, str]] = {}  # code -> user, redirect, scope
        self._tokens: dict[str, DiscordUser] = {}
        self.route("GET", r"/oauth2/authorize", self._authorize)
        self.route("POST", r"/oauth2/token", self._token)
        self.route("GET", r"/users/@me", self._me)

    def issue_code(
        self, user: DiscordUser, redirect_uri: str, scope: str = "identify email"
    ) -> str:
        """A code as if the user had just approved (what the consent page would give)."""
        code = secrets.token_hex(8)
        with self._lock:
            self._codes[code] = (user, redirect_uri, scope)
        return code

    def _authorize(self, request: Request, match: Any) -> Response:
        query = {k: v[0] for k, v in request.query.items()}
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id or query.get("response_type") != "code":
            return Response(400, {"message": "Invalid OAuth2 request", "code": 50035})
        params = {"state": query.get("state", "")}
        if self.approving_user is None:
            params["error"] = "access_denied"
        else:
            params["code"] = self.issue_code(
                self.approving_user, redirect_uri, query.get("scope", "")
            )
        return Response(302, b"", {"location": f"{redirect_uri}?{urlencode(params)}"})

    def _client_ok(self, request: Request, form: dict[str, str]) -> bool:
        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        return (client_id, secret) == (self.client_id, self.client_secret)

    def _token(self, request: Request, match: Any) -> Response:
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        if not self._client_ok(request, form):
            return Response(401, {"error": "invalid_client"})
        if form.get("grant_type") != "authorization_code":
            return Response(400, {"error": "unsupported_grant_type"})
        entry = self._codes.pop(form.get("code", ""), None)
        if entry is None or entry[1] != form.get("redirect_uri"):
            return Response(
                400, {"error": "invalid_grant", "error_description": 'Invalid "code" in request.'}
            )
        user, _, scope = entry
        access = secrets.token_hex(12)
        self._tokens[access] = user
        return Response(
            200,
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 604800,
                "refresh_token": secrets.token_hex(12),
                "scope": scope,
            },
        )

    def _me(self, request: Request, match: Any) -> Response:
        header = request.headers.get("authorization", "")
        user = (
            self._tokens.get(header.removeprefix("Bearer "))
            if header.startswith("Bearer ")
            else None
        )
        if user is None:
            return Response(401, {"message": "401: Unauthorized", "code": 0})
        return Response(200, user.json())


class FakeDiscordOAuth(DiscordOAuthRoutes):
    """Only the OAuth2 endpoints."""
