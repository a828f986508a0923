"""Lock each deployable's dependencies for Lambda: `requirements.lock` beside its requirements.txt.

A deployable is the common layer, a function, or an optional layer one function
may add (the LiteLLM layer, for the tutor: template parameter TutorModelLibrary).
Its lock pins every package it installs, with the sha256 of the exact wheel pip
picks for Lambda's platform (CPython 3.12, manylinux aarch64), so `make build`
installs the same bytes on every machine (`pip install --require-hashes --no-deps`).

Resolution:
- versions are constrained to what is installed in the running interpreter
  (the dev venv), so the deployed code runs the versions the tests ran;
- a function is resolved together with the layer, and packages the layer
  already has are left out of the function's lock: a copy in the function
  would shadow the layer's (/var/task comes first on sys.path);
- an optional layer is resolved together with the common layer and its
  function, and holds only what neither of them has: with it attached, every
  package is installed once, in the same version as without it;
- boto3, botocore and s3transfer are left out of functions and the layer: the
  Lambda Python runtime provides them (and litellm pulls them in for Bedrock only).

    .venv/bin/python tools/lock.py          (make lock)
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAYER = ROOT / "layers" / "common"
FUNCTIONS = ROOT / "functions"
# Optional layers (folder under layers/) -> the function they are added to.
OPTIONAL_LAYERS = {"litellm": "tutor_chat"}
PLATFORM_ARGS = [
    "--only-binary=:all:",
    "--implementation",
    "cp",
    "--python-version",
    "3.12",
    "--platform",
    "manylinux2014_aarch64",
    "--platform",
    "manylinux_2_28_aarch64",
]
PROVIDED_BY_RUNTIME = frozenset({"boto3", "botocore", "s3transfer"})
HEADER = """\
# Locked by tools/lock.py (`make lock`) from {source}: every package this
# deployable installs, for Lambda (CPython 3.12, manylinux aarch64), with the
# hash of the wheel `make build` installs (--require-hashes --no-deps).
{extra}"""


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    sha256: str

    def line(self) -> str:
        return f"{self.name}=={self.version} \\\n    --hash=sha256:{self.sha256}\n"


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def installed_versions() -> str:
    """Constraints: name==version for every distribution the running interpreter has."""
    lines = []
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name and normalise(name) != "roundtable":
            lines.append(f"{normalise(name)}=={dist.version}")
    return "\n".join(sorted(set(lines))) + "\n"


def resolve(requirement_files: list[Path], constraints: Path) -> list[Pin]:
    """What pip would install for Lambda from these files, with each wheel's hash."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        args = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed"]
        args += ["--quiet", "--disable-pip-version-check", "--report", str(report)]
        args += [*PLATFORM_ARGS, "--target", str(Path(scratch) / "target")]
        args += ["-c", str(constraints)]
        for path in requirement_files:
            args += ["-r", str(path)]
        done = subprocess.run(args, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            names = ", ".join(str(path.relative_to(ROOT)) for path in requirement_files)
            raise SystemExit(f"resolving {names} failed:\n{done.stderr}")
        installs = json.loads(report.read_text())["install"]
    pins = [
        Pin(
            normalise(item["metadata"]["name"]),
            item["metadata"]["version"],
            item["download_info"]["archive_info"]["hashes"]["sha256"],
        )
        for item in installs
    ]
    return sorted(pins, key=lambda pin: pin.name)


def write_lock(path: Path, pins: list[Pin], source: str, extra: str = "") -> None:
    text = HEADER.format(source=source, extra=extra) + "".join(pin.line() for pin in pins)
    path.write_text(text)
    print(f"{path.relative_to(ROOT)}: {len(pins)} packages")  # noqa: T201


def main() -> int:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as handle:
        handle.write(installed_versions())
        constraints = Path(handle.name)
    layer_requirements = LAYER / "requirements.txt"
    # The runtime's boto3 must find its own botocore: a layer copy (aws-xray-sdk
    # asks for botocore) would come first on sys.path and could mismatch it.
    layer_pins = [
        pin
        for pin in resolve([layer_requirements], constraints)
        if pin.name not in PROVIDED_BY_RUNTIME
    ]
    write_lock(
        LAYER / "requirements.lock",
        layer_pins,
        "requirements.txt",
        "# boto3/botocore/s3transfer are left out: the Lambda runtime provides them.\n",
    )
    in_layer = {pin.name for pin in layer_pins}
    in_function: dict[str, set[str]] = {}
    for folder in sorted(p for p in FUNCTIONS.iterdir() if (p / "app.py").is_file()):
        requirements = folder / "requirements.txt"
        if not requirements.is_file():
            requirements.write_text("# Nothing beyond the common layer.\n")
        pins = resolve([layer_requirements, requirements], constraints)
        own = [pin for pin in pins if pin.name not in in_layer | PROVIDED_BY_RUNTIME]
        extra = (
            "# Resolved together with layers/common/requirements.txt; what the layer has is\n"
            "# not repeated here, nor boto3/botocore/s3transfer (the runtime provides them).\n"
        )
        write_lock(folder / "requirements.lock", own, "requirements.txt", extra)
        in_function[folder.name] = {pin.name for pin in own}
    for name, function in OPTIONAL_LAYERS.items():
        lock_optional_layer(name, function, in_layer | in_function[function], constraints)
    constraints.unlink()
    return 0


def lock_optional_layer(name: str, function: str, present: set[str], constraints: Path) -> None:
    """layers/<name>'s lock: what it adds to the common layer and `function`, nothing twice."""
    folder = ROOT / "layers" / name
    requirements = [
        LAYER / "requirements.txt",
        FUNCTIONS / function / "requirements.txt",
        folder / "requirements.txt",
    ]
    pins = resolve(requirements, constraints)
    own = [pin for pin in pins if pin.name not in present | PROVIDED_BY_RUNTIME]
    extra = (
        f"# Resolved together with layers/common and functions/{function}: what they have is\n"
        "# not repeated here, nor boto3/botocore/s3transfer (the runtime provides them).\n"
    )
    write_lock(folder / "requirements.lock", own, "requirements.txt", extra)


if __name__ == "__main__":
    raise SystemExit(main())
