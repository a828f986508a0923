"""A fresh local stack: the first requests to the tutor arrive together, as the SPA sends them.

Its own module, so the `devserver` fixture is a new process whose tutor module
no request has loaded yet.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.devserver.conftest import RunningDevserver

CONCURRENT_FIRST_REQUESTS = 8


def test_concurrent_first_requests_to_the_tutor_all_answer(devserver: RunningDevserver) -> None:
    barrier = threading.Barrier(CONCURRENT_FIRST_REQUESTS)

    def status(_: int) -> int:
        barrier.wait()
        with devserver.client() as client:
            return client.get("/api/tutor/status").status_code

    with ThreadPoolExecutor(CONCURRENT_FIRST_REQUESTS) as pool:
        statuses = list(pool.map(status, range(CONCURRENT_FIRST_REQUESTS)))
    assert statuses == [200] * CONCURRENT_FIRST_REQUESTS
    assert "AttributeError" not in devserver.printed()
    assert httpx.get(devserver.url + "/api/tutor/status").status_code == 200
