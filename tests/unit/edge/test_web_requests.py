"""The client's address (CloudFront's viewer header, else the source) and the anonymous cookie."""

from __future__ import annotations

import uuid

import pytest
from roundtable_edge.web.cookies import ANONYMOUS_COOKIE, remember_anonymous
from roundtable_edge.web.deps import client_ip
from starlette.requests import Request
from starlette.responses import Response

from roundtable.content.learners import LearnerIdentity
from roundtable.content.progress import Learner


def _request(
    headers: dict[str, str], client: tuple[str, int] | None, *, via_cloudfront: bool = True
) -> Request:
    raw = [(k.encode(), v.encode()) for k, v in headers.items()]
    state = {"via_cloudfront": True} if via_cloudfront else {}
    return Request({"type": "http", "headers": raw, "client": client, "state": state})


@pytest.mark.parametrize(
    ("headers", "client", "address"),
    [
        ({"cloudfront-viewer-address": "198.51.100.4:4711"}, ("10.0.0.1", 1), "198.51.100.4"),
        ({"cloudfront-viewer-address": "[2001:db8::1]:443"}, ("10.0.0.1", 1), "2001:db8::1"),
        ({"x-forwarded-for": "203.0.113.9"}, ("10.0.0.1", 1), "10.0.0.1"),  # never trusted
        ({}, None, "unknown"),
    ],
)
def test_the_client_address_comes_from_cloudfront_else_the_connection(
    headers: dict[str, str], client: tuple[str, int] | None, address: str
) -> None:
    assert client_ip(_request(headers, client)) == address


def test_the_viewer_header_of_a_request_not_through_cloudfront_is_ignored() -> None:
    headers = {"cloudfront-viewer-address": "198.51.100.4:4711"}
    assert client_ip(_request(headers, ("10.0.0.1", 1), via_cloudfront=False)) == "10.0.0.1"


def test_the_anonymous_cookie_is_set_only_for_a_new_token() -> None:
    token = uuid.uuid4()
    known, new = Response(), Response()
    remember_anonymous(known, LearnerIdentity(Learner(anonymous_token=token)))
    remember_anonymous(new, LearnerIdentity(Learner(anonymous_token=token), True))
    assert "set-cookie" not in known.headers
    cookie = new.headers["set-cookie"]
    assert cookie.startswith(f"{ANONYMOUS_COOKIE}={token};")
    assert "HttpOnly" in cookie and "Path=/" in cookie and "SameSite=lax" in cookie
