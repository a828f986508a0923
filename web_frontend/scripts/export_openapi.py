"""Print the web API's OpenAPI document (JSON) to stdout or to a file.

Used by `npm run generate-client` and `npm run check-client`: the SPA's typed
client is generated from this document, never written by hand. Imports the
FastAPI app the way Lambda does (devserver.functions.load_function), so no
server or database is needed.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def export_openapi() -> str:
    """The OpenAPI document of functions/http_api, as stable, pretty JSON."""
    sys.path.insert(0, str(REPO_ROOT))
    # The app is built at import; settings are read lazily, so any stage works.
    os.environ.setdefault("ROUNDTABLE_STAGE", "local")
    from devserver.functions import load_function

    app = load_function("http_api").app
    return json.dumps(app.openapi(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    document = export_openapi()
    if len(argv) > 1:
        Path(argv[1]).write_text(document, encoding="utf-8")
    else:
        sys.stdout.write(document)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
