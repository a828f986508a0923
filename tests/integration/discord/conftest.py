"""Fixtures: a running fake Discord with settings pointed at it."""

from __future__ import annotations

from tests.fakes.fixtures import fake_discord  # noqa: F401  (fixture)
