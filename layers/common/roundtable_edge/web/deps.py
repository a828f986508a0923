"""Request dependencies both web apps use: the clock and the client's address."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

# CloudFront adds the viewer's address when the origin request policy asks for
# it; X-Forwarded-For is not used because a client can write its first hop.
VIEWER_ADDRESS_HEADER = "cloudfront-viewer-address"


def get_now() -> datetime:
    """The clock (a dependency, so a test can pin it)."""
    return datetime.now(UTC)


Now = Annotated[datetime, Depends(get_now)]


def client_ip(request: Request) -> str:
    """The browser's address: CloudFront's viewer header, else the connection's source."""
    viewer = request.headers.get(VIEWER_ADDRESS_HEADER)
    if viewer:
        return viewer.rsplit(":", 1)[0].strip("[]")
    return request.client.host if request.client else "unknown"
