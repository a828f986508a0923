"""Route selection as HTTP APIs do it: the most specific matching route wins.

`/discord/interactions` beats `/discord/{proxy+}`; a route for the request's
method beats `ANY`; a greedy `{name+}` needs at least one segment.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from devserver.template import Route


@dataclass(frozen=True)
class Match:
    """The chosen route and the path parameters it captured."""

    route: Route
    parameters: dict[str, str]


def _match_path(template: str, path: str) -> dict[str, str] | None:
    wanted, given = template.strip("/").split("/"), path.strip("/").split("/")
    if path.endswith("/") and path != "/":
        given.append("")  # a trailing slash is an extra empty segment for {proxy+}
    parameters: dict[str, str] = {}
    for index, part in enumerate(wanted):
        if part.startswith("{") and part.endswith("+}"):
            rest = given[index:]
            if not rest or rest == [""]:
                return None
            parameters[part[1:-2]] = "/".join(rest)
            return parameters
        if index >= len(given):
            return None
        if part.startswith("{") and part.endswith("}"):
            if not given[index]:
                return None
            parameters[part[1:-1]] = given[index]
        elif part != given[index]:
            return None
    return parameters if len(given) == len(wanted) else None


def _specificity(route: Route) -> tuple[int, int, int]:
    parts = route.path.strip("/").split("/")
    static = sum(1 for part in parts if not part.startswith("{"))
    greedy = int(any(part.endswith("+}") for part in parts))
    return (static, -greedy, int(route.method != "ANY"))


def match_route(routes: Iterable[Route], method: str, path: str) -> Match | None:
    """The route that serves `method path`, or None (the gateway answers 404)."""
    candidates = []
    for route in routes:
        if route.method not in ("ANY", method.upper()):
            continue
        parameters = _match_path(route.path, path)
        if parameters is not None:
            candidates.append(Match(route, parameters))
    if not candidates:
        return None
    return max(candidates, key=lambda match: _specificity(match.route))
