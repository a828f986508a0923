"""A browser for function tests: API Gateway v2 events to a real handler, cookies kept."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.functions.conftest import http_event

Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class Answer:
    """A handler's answer, decoded."""

    status: int
    headers: dict[str, str]
    set_cookies: list[str]
    body: str

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error(self) -> dict[str, Any]:
        return dict(self.json()["error"])


@dataclass
class Browser:
    """Sends requests to one function's handler and keeps the cookies it sets."""

    handler: Handler
    context: Any
    route_key: str = "ANY /api/{proxy+}"
    cookies: dict[str, str] = field(default_factory=dict)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        query: str = "",
    ) -> Answer:
        jar = [f"{name}={value}" for name, value in self.cookies.items()]
        event = http_event(method, path, body=body, headers=headers, cookies=jar, query=query)
        event["routeKey"] = event["requestContext"]["routeKey"] = self.route_key
        prefix = self.route_key.split(" ", 1)[1].removesuffix("{proxy+}")
        event["pathParameters"] = {"proxy": path.removeprefix(prefix)}
        response = self.handler(event, self.context)
        set_cookies = list(response.get("cookies") or [])
        for cookie in set_cookies:
            name, value = cookie.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value
        headers_out = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
        return Answer(response["statusCode"], headers_out, set_cookies, response.get("body") or "")
