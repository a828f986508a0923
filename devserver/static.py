"""The built frontend (web_frontend/dist), served as CloudFront serves it from S3."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote

from devserver.events import HttpResponse


def resolve_static(root: Path, url_path: str) -> Path | None:
    """The file for url_path under root, index.html for client-side routes, or None.

    Like the CloudFront function in template.yaml: a path whose last segment
    has no dot is a route of the single-page app.
    """
    base = root.resolve()
    relative = unquote(url_path).lstrip("/")
    candidate = (base / relative).resolve()
    if not candidate.is_relative_to(base):
        return None  # ../ tricks never leave the folder
    if candidate.is_dir():
        candidate = candidate / "index.html"
    if candidate.is_file():
        return candidate
    last_segment = relative.rsplit("/", 1)[-1]
    index = base / "index.html"
    if "." not in last_segment and index.is_file():
        return index
    return None


def static_response(path: Path, head_only: bool = False) -> HttpResponse:
    """The file with its content type; never cached, so a rebuild shows at once."""
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type == "application/javascript":
        content_type += "; charset=utf-8"
    body = path.read_bytes()
    headers = [
        ("content-type", content_type),
        ("cache-control", "no-cache"),
        ("content-length", str(len(body))),
    ]
    return HttpResponse(200, headers, b"" if head_only else body)
