"""Fixtures: a fake Discord for the job's message edits, and the worker function's loader."""

from __future__ import annotations

from tests.fakes.fixtures import fake_discord  # noqa: F401  (fixture)
from tests.functions.conftest import function, lambda_context  # noqa: F401  (fixtures)
