"""Local-only code (the devserver, the embedded Postgres) for the command-line tool.

That code lives in `devserver/` beside the package and is never shipped to
AWS. The CLI loads it by name, from the source checkout the package was
installed from, only for commands that need it outside AWS.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

# layers/common/roundtable_edge/local.py -> the checkout's root
CHECKOUT = Path(__file__).resolve().parents[3]


class LocalCodeMissingError(RuntimeError):
    """The local stack's code is not here (an installed layer, not a source checkout)."""


def load_local(name: str) -> ModuleType:
    """`devserver.<name>`, from the checkout when it is not importable already."""
    module_name = f"devserver.{name}"
    if (CHECKOUT / "devserver" / "__init__.py").is_file() and str(CHECKOUT) not in sys.path:
        sys.path.append(str(CHECKOUT))
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name not in ("devserver", module_name):
            raise
        raise LocalCodeMissingError(
            "This needs the local stack (devserver/ in a Roundtable source checkout); "
            "outside one, set DATABASE_URL."
        ) from None


def use_embedded_database_if_unset() -> object:
    """The embedded Postgres when DATABASE_URL is unset (its handle keeps it running)."""
    return load_local("postgres").use_embedded_database_if_unset()
