"""Print a function's OpenAPI document (JSON) to stdout or to a file.

    python scripts/export_openapi.py [FUNCTION] [OUT]   (FUNCTION defaults to http_api)

Used by `npm run generate-client` and `npm run check-client`: the SPA's typed
client is generated from these documents, never written by hand. Imports the
FastAPI app the way Lambda does (devserver.functions.load_function), so no
server or database is needed.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def export_openapi(function: str = "http_api") -> str:
    """The OpenAPI document of functions/<function>, as stable, pretty JSON."""
    sys.path.insert(0, str(REPO_ROOT))
    # The app is built at import; settings are read lazily, so any stage works.
    os.environ.setdefault("ROUNDTABLE_STAGE", "local")
    from devserver.functions import load_function

    app = load_function(function).app
    return json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    function = argv[1] if len(argv) > 1 else "http_api"
    document = export_openapi(function)
    if len(argv) > 2:
        Path(argv[2]).write_text(document, encoding="utf-8")
    else:
        sys.stdout.write(document)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
