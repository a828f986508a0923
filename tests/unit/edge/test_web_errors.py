"""The web edge's error mapping: every domain error has an HTTP status, chosen by class."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from roundtable_edge.web.statuses import STATUS_BY_ERROR, http_status, status_class

import roundtable
from roundtable.auth.oauth import LoginFailedError, LoginUnavailableError
from roundtable.errors import (
    AuthenticationError,
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServiceUnavailableError,
    UpstreamError,
    UpstreamTimeoutError,
    ValidationError,
)
from roundtable.notifications.unsubscribe import UnsubscribeTokenError
from roundtable.tutor.model import TutorBusyError, TutorTimeoutError, TutorUnavailableError


def _every_domain_error() -> set[type[DomainError]]:
    """Every DomainError subclass the domain defines (importing every domain module first)."""
    for module in pkgutil.walk_packages(roundtable.__path__, "roundtable."):
        importlib.import_module(module.name)
    found: set[type[DomainError]] = set()
    pending: list[type[DomainError]] = [DomainError]
    while pending:
        for sub in pending.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                pending.append(sub)
    return found


def test_every_domain_error_has_a_status_of_its_own_family_not_the_bare_fallback() -> None:
    errors = _every_domain_error()
    assert {NotFoundError, TutorBusyError, UnsubscribeTokenError} <= errors  # the walk works
    unmapped = sorted(e.__qualname__ for e in errors if status_class(e) is DomainError)
    assert unmapped == [], "add these to roundtable_edge.web.statuses.STATUS_BY_ERROR"


def test_the_domain_knows_codes_but_no_http_statuses() -> None:
    for error in _every_domain_error() | {DomainError}:
        assert not hasattr(error, "status"), error.__qualname__
        assert isinstance(error.code, str) and error.code


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (DomainError, 400),
        (ValidationError, 422),
        (NotFoundError, 404),
        (PermissionDeniedError, 403),
        (AuthenticationError, 401),
        (ConflictError, 409),
        (RateLimitedError, 429),
        (UpstreamError, 502),
        (ServiceUnavailableError, 503),
        (UpstreamTimeoutError, 504),
        (LoginFailedError, 400),
        (LoginUnavailableError, 503),
        # Subclasses answer with their family's status.
        (UnsubscribeTokenError, 422),
        (TutorBusyError, 502),
        (TutorUnavailableError, 502),
        (TutorTimeoutError, 504),
    ],
)
def test_each_error_class_maps_to_its_status(error: type[DomainError], status: int) -> None:
    assert http_status(error) == status


def test_an_instance_maps_like_its_class() -> None:
    assert http_status(RateLimitedError("slow down", retry_after=3)) == 429


def test_a_class_outside_the_family_is_refused() -> None:
    with pytest.raises(TypeError, match="not a DomainError"):
        status_class(ValueError)  # type: ignore[arg-type]


def test_the_table_lists_only_domain_errors_and_real_error_statuses() -> None:
    assert all(issubclass(error, DomainError) for error in STATUS_BY_ERROR)
    assert all(400 <= status <= 599 for status in STATUS_BY_ERROR.values())
