"""The HTTP status of each domain error, chosen by its class.

The domain names what went wrong (`DomainError.code`, a stable identifier);
which HTTP status says so is the web's business, decided here. A subclass
answers with its nearest listed ancestor's status, so the tutor's
`TutorBusyError` is a 502 like every `UpstreamError`. Every direct subclass
of DomainError must be listed: the bare DomainError's 400 is only for
DomainError itself (tests/unit/edge/test_web_errors.py checks).
"""

from __future__ import annotations

from roundtable.auth.oauth import LoginFailedError, LoginUnavailableError
from roundtable.errors import (
    AuthenticationError,
    ConflictError,
    DomainError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ServiceUnavailableError,
    TooLargeError,
    UnsupportedMediaTypeError,
    UpstreamError,
    UpstreamTimeoutError,
    ValidationError,
)

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    DomainError: 400,
    ValidationError: 422,
    TooLargeError: 413,
    UnsupportedMediaTypeError: 415,
    NotFoundError: 404,
    PermissionDeniedError: 403,
    AuthenticationError: 401,
    ConflictError: 409,
    RateLimitedError: 429,
    UpstreamError: 502,
    ServiceUnavailableError: 503,
    UpstreamTimeoutError: 504,
    LoginFailedError: 400,
    LoginUnavailableError: 503,
}


def status_class(error_class: type[DomainError]) -> type[DomainError]:
    """The nearest class in the error's ancestry that STATUS_BY_ERROR lists."""
    for ancestor in error_class.__mro__:
        if ancestor in STATUS_BY_ERROR:
            return ancestor  # type: ignore[no-any-return]
    raise TypeError(f"{error_class.__name__} is not a DomainError")


def http_status(error: DomainError | type[DomainError]) -> int:
    """The HTTP status a web answer to this domain error carries."""
    error_class = error if isinstance(error, type) else type(error)
    return STATUS_BY_ERROR[status_class(error_class)]
