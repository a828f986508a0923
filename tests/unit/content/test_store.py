"""Loading bundles from a content dir, a bundle file or S3, cached by version."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from roundtable.content.bundle import BundleCorruptError, build_bundle
from roundtable.content.store import (
    BundleLocationError,
    bundle_key,
    clear_bundle_cache,
    load_bundle,
    save_bundle_to_s3,
)

from .conftest import BASE_TREE

BUCKET = "roundtable-content-test"


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    clear_bundle_cache()
    yield
    clear_bundle_cache()


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def test_a_content_dir_is_built_once_and_then_served_from_the_cache(tree: Path) -> None:
    first = load_bundle(tree)
    second = load_bundle(tree)

    assert second is first


def test_editing_the_content_dir_loads_a_new_version(
    tree: Path, write: Callable[[str, str], Path]
) -> None:
    before = load_bundle(tree)
    text = (tree / "modules/first-steps.md").read_text()
    write("modules/first-steps.md", text.replace("Some words", "Other words"))

    after = load_bundle(tree)

    assert after.version != before.version


def test_a_bundle_file_loads_and_is_checked_against_the_version_asked_for(
    tmp_path: Path,
) -> None:
    bundle, _ = build_bundle(BASE_TREE)
    path = tmp_path / "bundle.json"
    path.write_bytes(bundle.to_json())

    assert load_bundle(path, version=bundle.version) == bundle
    clear_bundle_cache()
    with pytest.raises(BundleCorruptError):
        load_bundle(path, version="f" * 64)


def test_a_location_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    with pytest.raises(BundleLocationError, match="no such file"):
        load_bundle(tmp_path / "missing")


def test_a_bundle_saved_to_s3_loads_back_by_version(s3: Any) -> None:
    bundle, _ = build_bundle(BASE_TREE)

    location = save_bundle_to_s3(bundle, BUCKET, "bundles", s3)
    clear_bundle_cache()
    loaded = load_bundle(f"s3://{BUCKET}/bundles", version=bundle.version, s3_client=s3)

    assert location == f"s3://{BUCKET}/bundles/{bundle.version}.json"
    assert loaded == bundle


def test_a_version_already_loaded_is_not_fetched_from_s3_again(s3: Any) -> None:
    bundle, _ = build_bundle(BASE_TREE)
    save_bundle_to_s3(bundle, BUCKET, "bundles", s3)
    clear_bundle_cache()
    load_bundle(f"s3://{BUCKET}/bundles", version=bundle.version, s3_client=s3)
    s3.delete_object(Bucket=BUCKET, Key=bundle_key("bundles", bundle.version))

    again = load_bundle(f"s3://{BUCKET}/bundles", version=bundle.version, s3_client=s3)

    assert again == bundle


def test_loading_from_s3_needs_a_version() -> None:
    with pytest.raises(BundleLocationError, match="needs the version"):
        load_bundle(f"s3://{BUCKET}/bundles")


def test_bundle_keys_do_not_start_with_a_slash() -> None:
    assert bundle_key("", "abc") == "abc.json"
    assert bundle_key("/content/bundles/", "abc") == "content/bundles/abc.json"
