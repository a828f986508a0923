"""Load a function's handler module the way Lambda does: its folder is the code root."""

from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path
from types import ModuleType

FUNCTIONS_DIR = Path(__file__).resolve().parent.parent / "functions"

# Modules whose app.py ran to the end. sys.modules is not enough: a module
# sits there while it executes (FastAPI and pydantic look it up by name), and
# a second request thread must never take that half-loaded module.
_loaded: dict[str, ModuleType] = {}
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


def load_function(name: str) -> ModuleType:
    """Import functions/<name>/app.py as module `<name>_app` (once per process).

    Thread-safe: concurrent first calls wait for one import. An import that
    raises leaves nothing behind, so the next call tries again.
    """
    module = _loaded.get(name)
    if module is not None:
        return module
    with _lock_for(name):
        module = _loaded.get(name)
        if module is None:
            module = _import(name)
            _loaded[name] = module
        return module


def _lock_for(name: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(name, threading.Lock())


def _import(name: str) -> ModuleType:
    module_name = f"{name}_app"
    folder = FUNCTIONS_DIR / name
    if not (folder / "app.py").is_file():
        raise FileNotFoundError(f"no function named {name!r} in {FUNCTIONS_DIR}")
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))  # sibling modules import as in Lambda
    spec = importlib.util.spec_from_file_location(module_name, folder / "app.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(module_name, None)  # never keep a broken module for the next try
        raise
    return module
