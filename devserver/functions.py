"""Load a function's handler module the way Lambda does: its folder is the code root."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"


def load_function(name: str) -> ModuleType:
    """Import functions/<name>/app.py as module `<name>_app` (once per process)."""
    module_name = f"{name}_app"
    if module_name in sys.modules:
        return sys.modules[module_name]
    folder = FUNCTIONS_DIR / name
    if not (folder / "app.py").is_file():
        raise FileNotFoundError(f"no function named {name!r} in {FUNCTIONS_DIR}")
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))  # sibling modules import as in Lambda
    spec = importlib.util.spec_from_file_location(module_name, folder / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module
