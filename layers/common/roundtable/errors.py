"""Domain errors: each carries a stable `code`, a machine-readable name for what went wrong.

Which HTTP status answers an error is the web edge's choice (roundtable_edge.web.statuses).
"""

from __future__ import annotations


class DomainError(Exception):
    """A request cannot be done; the message is meant for the person who asked."""

    code = "bad_request"
    # Whether trying the same thing again later can succeed (jobs retry only then).
    retryable: bool = False

    def __init__(self, message: str, *, field: str | None = None, retry_after: int | None = None):
        super().__init__(message)
        self.field = field
        self.retry_after = retry_after


class ValidationError(DomainError):
    """Input is malformed or breaks a rule."""

    code = "invalid_request"
    retryable = False


class TooLargeError(ValidationError):
    """The request's body is larger than allowed (an upload, a recording)."""

    code = "too_large"


class UnsupportedMediaTypeError(ValidationError):
    """The request's body is in a format this route does not take."""

    code = "unsupported_media_type"


class NotFoundError(DomainError):
    """The named thing does not exist (or the caller may not know it exists)."""

    code = "not_found"
    retryable = False


class PermissionDeniedError(DomainError):
    """The caller is known but may not do this."""

    code = "forbidden"
    retryable = False


class AuthenticationError(DomainError):
    """The caller is not signed in, or their session is invalid."""

    code = "unauthenticated"
    retryable = False


class ConflictError(DomainError):
    """The request clashes with the current state."""

    code = "conflict"
    retryable = False


class RateLimitedError(DomainError):
    """Too many requests; retry after `retry_after` seconds."""

    code = "rate_limited"
    retryable = True


class UpstreamError(DomainError):
    """A service we depend on (the LLM provider, ...) failed or refused."""

    code = "upstream_error"
    retryable = True


class ServiceUnavailableError(DomainError):
    """Something this request needs is not configured or not ready yet."""

    code = "unavailable"
    retryable = True


class UpstreamTimeoutError(DomainError):
    """A service we depend on did not answer in time."""

    code = "upstream_timeout"
    retryable = True


def is_retryable(exc: BaseException) -> bool:
    """Whether a later attempt may succeed.

    Domain errors and the API clients' errors say so with a `retryable`
    attribute; anything else (a bug, a network error) is assumed transient.
    """
    return bool(getattr(exc, "retryable", True))
