"""Loading and storing bundles, with an in-process cache keyed by version.

A bundle never changes once built, so a Lambda environment keeps every version
it has loaded and reads S3 only for a version it has not seen. Locally the
bundle is built from the content directory, again only when a file changed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from roundtable.content.bundle import Bundle, build_bundle, bundle_from_json

_BY_VERSION: dict[str, Bundle] = {}
# fingerprint of a local file or directory -> the version built or read from it
_BY_FINGERPRINT: dict[tuple[Any, ...], str] = {}


class BundleLocationError(ValueError):
    """A bundle location that is neither an s3:// URL, a JSON file nor a content directory."""

    def __init__(self, location: str, reason: str) -> None:
        super().__init__(f"cannot load a bundle from {location!r}: {reason}")
        self.location = location


def clear_bundle_cache() -> None:
    """Forget every loaded bundle (tests, and the local stack after a content edit)."""
    _BY_VERSION.clear()
    _BY_FINGERPRINT.clear()


def load_bundle(
    location: str | os.PathLike[str], *, version: str | None = None, s3_client: Any = None
) -> Bundle:
    """The bundle in S3 (s3://bucket/prefix or .../<version>.json; version required),
    in a bundle file, or built from a content dir."""
    if version is not None and version in _BY_VERSION:
        return _BY_VERSION[version]
    text = os.fspath(location)
    if text.startswith("s3://"):
        if version is None:
            raise BundleLocationError(text, "an S3 location needs the version to load")
        return _remember(_read_s3(text, version, s3_client))
    path = Path(text)
    if path.is_dir():
        return _load_local(path, lambda: build_bundle(path)[0])
    if path.is_file():
        return _load_local(path, lambda: bundle_from_json(path.read_bytes(), version))
    raise BundleLocationError(text, "no such file or directory")


def bundle_key(prefix: str, version: str) -> str:
    """The S3 key of a version's bundle under a prefix."""
    return f"{prefix.strip('/')}/{version}.json".lstrip("/")


def save_bundle_to_s3(bundle: Bundle, bucket: str, prefix: str, s3_client: Any = None) -> str:
    """Store a bundle under its version (once; it never changes) and return its s3:// location."""
    client = s3_client or _s3_client()
    key = bundle_key(prefix, bundle.version)
    client.put_object(
        Bucket=bucket,
        Key=key,
        Body=bundle.to_json(),
        ContentType="application/json",
        CacheControl="public, max-age=31536000, immutable",
    )
    return f"s3://{bucket}/{key}"


def _remember(bundle: Bundle) -> Bundle:
    return _BY_VERSION.setdefault(bundle.version, bundle)


def _load_local(path: Path, load: Any) -> Bundle:
    fingerprint = _fingerprint(path)
    known = _BY_FINGERPRINT.get(fingerprint)
    if known is not None and known in _BY_VERSION:
        return _BY_VERSION[known]
    bundle = _remember(load())
    _BY_FINGERPRINT[fingerprint] = bundle.version
    return bundle


def _fingerprint(path: Path) -> tuple[Any, ...]:
    """Changes whenever a file under `path` is added, removed or modified."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    stats = tuple((str(f), f.stat().st_mtime_ns, f.stat().st_size) for f in files)
    return (str(path.resolve()), stats)


def _read_s3(location: str, version: str, s3_client: Any) -> Bundle:
    parsed = urlparse(location)
    client = s3_client or _s3_client()
    # Either the bundle's own key (as recorded in content_versions) or a prefix.
    key = parsed.path.lstrip("/") if parsed.path.endswith(".json") else None
    response = client.get_object(Bucket=parsed.netloc, Key=key or bundle_key(parsed.path, version))
    return bundle_from_json(response["Body"].read(), version)


def _s3_client() -> Any:
    # Imported here: boto3 costs ~100 ms and the local stack never needs it.
    import boto3

    from roundtable.config import get_settings

    return boto3.client("s3", region_name=get_settings().aws_region)
