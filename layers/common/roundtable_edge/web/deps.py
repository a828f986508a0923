"""Request dependencies both web apps use: the clock and the client's address."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

from roundtable_edge.web.edge_guard import VIA_CLOUDFRONT

# CloudFront adds the viewer's address when the origin request policy asks for
# it; X-Forwarded-For is not used because a client can write its first hop.
VIEWER_ADDRESS_HEADER = "cloudfront-viewer-address"


def get_now() -> datetime:
    """The clock (a dependency, so a test can pin it)."""
    return datetime.now(UTC)


Now = Annotated[datetime, Depends(get_now)]


def client_ip(request: Request) -> str:
    """The browser's address: CloudFront's viewer header, else the connection's source.

    The header is believed only on a request that proved it came through
    CloudFront (the origin secret, `edge_guard`); anyone can send it otherwise.
    """
    viewer = request.headers.get(VIEWER_ADDRESS_HEADER)
    if viewer and request.scope.get("state", {}).get(VIA_CLOUDFRONT):
        return viewer.rsplit(":", 1)[0].strip("[]")
    return request.client.host if request.client else "unknown"
