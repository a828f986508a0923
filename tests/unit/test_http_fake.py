from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.fakes.http import FakeService, Response


class EchoService(FakeService):
    def __init__(self) -> None:
        super().__init__()
        self.route(
            "POST",
            r"/echo/(?P<name>\w+)",
            lambda r, m: Response(201, {"name": m["name"], "got": r.json()}),
        )


def _post(url: str, body: object) -> tuple[int, object]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_fake_service_routes_records_and_injects_faults() -> None:
    with EchoService().running() as fake:
        fake.fail_next("POST", r"/echo/.*", Response(429, {"retry_after": 0.1}), times=1)
        assert _post(f"{fake.base_url}/echo/ada", {"x": 1}) == (429, {"retry_after": 0.1})
        assert _post(f"{fake.base_url}/echo/ada", {"x": 1}) == (
            201,
            {"name": "ada", "got": {"x": 1}},
        )
        assert _post(f"{fake.base_url}/nothing", {})[0] == 404
        assert [r.path for r in fake.mutating_requests()] == ["/echo/ada", "/echo/ada", "/nothing"]


@pytest.mark.parametrize("method", ["GET"])
def test_fake_service_unknown_route_is_404(method: str) -> None:
    with EchoService().running() as fake:
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(f"{fake.base_url}/missing")
        assert info.value.code == 404
