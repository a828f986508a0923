"""The built frontend (web_frontend/dist), served as CloudFront serves it from S3."""

from __future__ import annotations

import mimetypes
import os
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


# Swagger UI's files, for /api/docs without the internet: the pip package
# swagger-ui-bundle-v2 (a dev dependency) ships them; deployed stacks use the CDN.
SWAGGER_UI_PREFIX = "/dev/swagger-ui"


def swagger_ui_dir() -> Path | None:
    """The installed Swagger UI's folder, or None without the package."""
    try:
        from swagger_ui_bundle import swagger_ui_path
    except ImportError:
        return None
    return Path(swagger_ui_path)


def use_local_swagger_ui() -> None:
    """Point the web apps' docs page at the files this stack serves, when it has them."""
    from roundtable_edge.web.app import DOCS_ASSETS_SETTING

    if swagger_ui_dir() is not None:
        os.environ.setdefault(DOCS_ASSETS_SETTING, SWAGGER_UI_PREFIX)


def swagger_ui_asset(url_path: str, head_only: bool = False) -> HttpResponse | None:
    """One of Swagger UI's files under SWAGGER_UI_PREFIX; None for any other path."""
    folder = swagger_ui_dir()
    if folder is None or not url_path.startswith(SWAGGER_UI_PREFIX + "/"):
        return None
    name = url_path.removeprefix(SWAGGER_UI_PREFIX + "/")
    path = (folder / name).resolve()
    if "/" in name or not path.is_file() or not path.is_relative_to(folder.resolve()):
        return None
    return static_response(path, head_only)
