"""Settings: one typed object, built lazily on first use, never at import.

Non-secret knobs come from environment variables (the template sets them).
Secrets come, in order, from a plain environment variable of the same name
(local stack and tests, e.g. ``DISCORD_PUBLIC_KEY``) or from the parameter
named by ``<NAME>_PARAM`` (SSM Parameter Store, or Secrets Manager when the
name starts with ``secretsmanager:``) through Powertools Parameters, cached.
``DISCORD_PUBLIC_KEY`` is public, not a secret: it comes from the environment
only (a plain template parameter), so the Discord PING path never imports
boto3 nor calls SSM; it gets the same refusals as a secret when missing.

A stdlib dataclass, not pydantic: the Discord function must import settings
on its PING path, which has a cold-start budget (DESIGN.md).
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Stage = Literal["local", "test", "deployed"]

SECRET_NAMES = (
    "JWT_SECRET",
    "DISCORD_PUBLIC_KEY",
    "DISCORD_BOT_TOKEN",
    "DISCORD_CLIENT_SECRET",
    "SENDGRID_API_KEY",
    "GOOGLE_SERVICE_ACCOUNT_JSON",
    # The Zoom Server-to-Server OAuth app, needed only once a group meets on Zoom.
    "ZOOM_ACCOUNT_ID",
    "ZOOM_CLIENT_ID",
    "ZOOM_CLIENT_SECRET",
    "LLM_API_KEY",
    "DB_PASSWORD",
    "GITHUB_WEBHOOK_SECRET",
    "GITHUB_TOKEN",
    # The header CloudFront adds to every request it forwards to the API
    # (roundtable_edge.web.edge_guard); a Secrets Manager secret the template generates.
    "ORIGIN_VERIFY_SECRET",
)

# Public values checked like secrets (refused when missing or a placeholder in a
# deployed stack) but read from the environment only, never from a parameter:
# the template passes them as plain values (cold-start cost, and they are public).
ENVIRONMENT_ONLY = frozenset({"DISCORD_PUBLIC_KEY"})

# Secrets a deployed stack may leave unset (a public content repository needs no token).
OPTIONAL_SECRETS = frozenset({"GITHUB_TOKEN"})

# Secrets a deployed stack refuses when shorter (bytes): HS256 wants a key as long as
# its 256-bit hash, and the origin secret is all that stands between a caller and the API.
MINIMUM_SECRET_BYTES = {"JWT_SECRET": 32, "ORIGIN_VERIFY_SECRET": 32}

# Values that mean "nobody filled this in"; a deployed stack refuses them.
_PLACEHOLDERS = {"", "changeme", "change-me", "placeholder", "secret", "todo", "xxx", "dev"}
_SECRETS_MANAGER_PREFIX = "secretsmanager:"
_SECRET_CACHE_SECONDS = 300


class SettingsError(ValueError):
    """A setting is missing, malformed or unsafe for this stage."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None or value == "" else value


def _env_bool(name: str, default: bool) -> bool:
    raw = _env(name)
    if raw is None:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _env_int(name: str, default: int) -> int:
    raw = _env(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None


def _env_zone(name: str, default: str) -> str:
    value = _env(name, default) or default
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"{name} must be an IANA time zone, got {value!r}") from None
    return value


def is_placeholder(value: str | None) -> bool:
    return value is None or value.strip().lower() in _PLACEHOLDERS or value.startswith("dev-")


@dataclass(frozen=True)
class Settings:
    """Everything configurable about Roundtable; see `.env.example` for the list."""

    stage: Stage
    version: str
    public_base_url: str
    database_url: str | None
    db_host: str | None
    db_port: int
    db_name: str
    db_user: str
    db_use_iam_auth: bool
    db_tls: bool
    db_behind_proxy: bool
    aws_region: str
    worker_function_name: str | None
    dev_login_enabled: bool
    default_timezone: str
    discord_application_id: str | None
    discord_client_id: str | None
    discord_guild_id: str | None
    discord_admin_role_id: str | None
    discord_api_base: str
    # Days a finished group's Discord channels are kept before their messages are exported
    # to the content bucket and the channels deleted (roundtable.sync.retention); 0: forever.
    discord_retention_days: int
    # Discord calls a second: the pace of the shared budget (every worker together),
    # or of this process alone with the budget in memory (all processes together: 50).
    discord_global_rate: int
    # "shared": every worker takes Discord permits from Postgres (roundtable.discord.budget);
    # "local": each process keeps its own (the default outside a deployed stack).
    discord_rate_budget: str
    # 401/403/429 answers in 10 minutes past which Discord calls stop (Discord bans at 10,000).
    discord_invalid_request_budget: int
    google_calendar_base: str
    google_calendar_id: str
    google_delegated_user: str | None
    # Workspace users whose calendars hold group series, shared out by group (sync/organisers.py).
    google_calendar_organisers: tuple[str, ...]
    sendgrid_host: str
    zoom_api_base: str
    zoom_oauth_base: str
    email_from: str
    low_attendance_threshold: int
    # Where the sweep fans out batches of reminders (SQS); unset: it sends them itself.
    reminder_batches_queue_url: str | None
    guest_cap_per_meeting: int  # guests one meeting takes in a week (roundtable.meetings.guests)
    inactive_after_missed: int  # meetings missed in a row that make a learner inactive
    llm_model: str
    llm_api_base: str | None
    llm_timeout_s: int  # first token, and the whole reply where it cannot stream
    # Speech to text for voice input: "<provider>/<model>", None = the tutor provider's
    # default (roundtable.tutor.transcribe), "none" = voice input off.
    llm_transcription_model: str | None
    tutor_daily_messages: int  # per signed-in learner, per UTC day
    tutor_daily_tokens: int
    tutor_anonymous_daily_messages: int  # per anonymous token, per UTC day
    tutor_anonymous_daily_tokens: int
    tutor_global_hourly_messages: int  # every learner together, per hour (spend cap)
    content_bucket: str | None
    content_dir: str
    github_repo: str | None
    github_branch: str
    github_api_base: str

    @property
    def is_deployed(self) -> bool:
        return self.stage == "deployed"

    @property
    def cookies_secure(self) -> bool:
        """Whether cookies carry `Secure`: always, except the local stack served over http://.

        Browsers accept Secure cookies on http://localhost, but curl and httpx do
        not send them back; a deployed (or test) stack never drops the flag.
        """
        return not (self.stage == "local" and self.public_base_url.startswith("http://"))

    def secret(self, name: str) -> str | None:
        """The secret's value, or None when unset outside a deployed stack."""
        if name not in SECRET_NAMES:
            raise SettingsError(f"unknown secret {name!r}")
        from_environment_only = name in ENVIRONMENT_ONLY
        value = _env(name) or (None if from_environment_only else _fetch_parameter(name))
        if name in OPTIONAL_SECRETS and not value:
            return None
        if self.is_deployed and is_placeholder(value):
            where = (
                f"the environment variable {name} (a template parameter)"
                if from_environment_only
                else f"the parameter named by {name}_PARAM"
            )
            raise SettingsError(f"{name} is missing or a placeholder; set {where}")
        minimum = MINIMUM_SECRET_BYTES.get(name)
        if self.is_deployed and minimum and value and len(value.encode()) < minimum:
            raise SettingsError(
                f"{name} is too short for a deployed stack: at least {minimum} bytes "
                f"(got {len(value.encode())}); generate one with `openssl rand -base64 48`"
            )
        return value

    def require_secret(self, name: str) -> str:
        """The secret's value; an error naming the setting when it is unset."""
        value = self.secret(name)
        if not value:
            source = "" if name in ENVIRONMENT_ONLY else f" or {name}_PARAM"
            raise SettingsError(f"{name} is not set (environment variable{source})")
        return value

    def check_deployable(self, needed: tuple[str, ...]) -> None:
        """Refuse to run a deployed function with unsafe settings or missing secrets."""
        if not self.is_deployed:
            return
        if self.dev_login_enabled:
            raise SettingsError("DEV_LOGIN_ENABLED must be false in a deployed stack")
        for name in needed:
            self.require_secret(name)


def _fetch_parameter(name: str) -> str | None:
    parameter = _env(f"{name}_PARAM")
    if parameter is None:
        return None
    # Imported here: boto3 costs ~100 ms, and the local stack never needs it.
    from aws_lambda_powertools.utilities import parameters

    try:
        if parameter.startswith(_SECRETS_MANAGER_PREFIX):
            secret_id = parameter.removeprefix(_SECRETS_MANAGER_PREFIX)
            value = parameters.get_secret(secret_id, max_age=_SECRET_CACHE_SECONDS)
        else:
            value = parameters.get_parameter(parameter, decrypt=True, max_age=_SECRET_CACHE_SECONDS)
    except parameters.exceptions.GetParameterError as exc:
        if name in OPTIONAL_SECRETS:
            return None
        raise SettingsError(f"{name}: could not read parameter {parameter!r}: {exc}") from exc
    return str(value) if value is not None else None


def _stage() -> Stage:
    stage = _env("ROUNDTABLE_STAGE")
    if stage is None:
        # Lambda always sets AWS_LAMBDA_FUNCTION_NAME: default to the strict stage there.
        return "deployed" if _env("AWS_LAMBDA_FUNCTION_NAME") else "local"
    if stage not in ("local", "test", "deployed"):
        raise SettingsError(f"ROUNDTABLE_STAGE must be local, test or deployed, got {stage!r}")
    return stage  # type: ignore[return-value]


def load_settings() -> Settings:
    """Read and validate settings from the environment."""
    from roundtable import __version__

    stage = _stage()
    # Shared by every worker (roundtable.discord.budget) in a deployed stack: paced at
    # 45 a second, 90% of Discord's 50, the rest for calls that arrive late.
    rate_budget = _env("DISCORD_RATE_BUDGET", "shared" if stage == "deployed" else "local") or ""
    settings = Settings(
        stage=stage,
        version=_env("ROUNDTABLE_VERSION", __version__) or __version__,
        public_base_url=(_env("PUBLIC_BASE_URL", "http://127.0.0.1:8000") or "").rstrip("/"),
        database_url=_env("DATABASE_URL"),
        db_host=_env("DB_HOST"),
        db_port=_env_int("DB_PORT", 5432),
        db_name=_env("DB_NAME", "roundtable") or "roundtable",
        db_user=_env("DB_USER", "roundtable") or "roundtable",
        db_use_iam_auth=_env_bool("DB_IAM_AUTH", False),
        db_tls=_env_bool("DB_TLS", stage == "deployed"),
        db_behind_proxy=_env_bool("DB_BEHIND_PROXY", stage == "deployed"),
        aws_region=_env("AWS_REGION", "us-east-1") or "us-east-1",
        worker_function_name=_env("WORKER_FUNCTION_NAME"),
        dev_login_enabled=_env_bool("DEV_LOGIN_ENABLED", stage != "deployed"),
        default_timezone=_env_zone("DEFAULT_TIMEZONE", "UTC"),
        discord_application_id=_env("DISCORD_APPLICATION_ID"),
        discord_client_id=_env("DISCORD_CLIENT_ID"),
        discord_guild_id=_env("DISCORD_GUILD_ID"),
        discord_admin_role_id=_env("DISCORD_ADMIN_ROLE_ID"),
        discord_api_base=(_env("DISCORD_API_BASE", "https://discord.com/api/v10") or "").rstrip(
            "/"
        ),
        discord_retention_days=_env_int("DISCORD_RETENTION_DAYS", 0),
        discord_global_rate=_env_int("DISCORD_GLOBAL_RATE", 45 if rate_budget == "shared" else 48),
        discord_rate_budget=rate_budget,
        discord_invalid_request_budget=_env_int("DISCORD_INVALID_REQUEST_BUDGET", 500),
        google_calendar_base=_env("GOOGLE_CALENDAR_BASE", "https://www.googleapis.com/calendar/v3")
        or "",
        google_calendar_id=_env("GOOGLE_CALENDAR_ID", "primary") or "primary",
        google_delegated_user=_env("GOOGLE_DELEGATED_USER"),
        google_calendar_organisers=tuple(
            o.strip() for o in (_env("GOOGLE_CALENDAR_ORGANISERS") or "").split(",") if o.strip()
        ),
        sendgrid_host=_env("SENDGRID_HOST", "https://api.sendgrid.com") or "",
        zoom_api_base=_env("ZOOM_API_BASE", "https://api.zoom.us/v2") or "",
        zoom_oauth_base=_env("ZOOM_OAUTH_BASE", "https://zoom.us") or "",
        email_from=_env("EMAIL_FROM", "Roundtable <noreply@roundtable.example>") or "",
        low_attendance_threshold=_env_int("LOW_ATTENDANCE_THRESHOLD", 3),
        reminder_batches_queue_url=_env("REMINDER_BATCHES_QUEUE_URL"),
        guest_cap_per_meeting=_env_int("GUEST_CAP_PER_MEETING", 2),
        inactive_after_missed=_env_int("INACTIVE_AFTER_MISSED", 3),
        llm_model=_env("LLM_MODEL", "anthropic/claude-sonnet-4-5") or "",
        llm_api_base=_env("LLM_API_BASE"),
        llm_timeout_s=_env_int("LLM_TIMEOUT_S", 25),
        llm_transcription_model=_env("LLM_TRANSCRIPTION_MODEL"),
        tutor_daily_messages=_env_int("TUTOR_DAILY_MESSAGES", 100),
        tutor_daily_tokens=_env_int("TUTOR_DAILY_TOKENS", 300_000),
        tutor_anonymous_daily_messages=_env_int("TUTOR_ANONYMOUS_DAILY_MESSAGES", 20),
        tutor_anonymous_daily_tokens=_env_int("TUTOR_ANONYMOUS_DAILY_TOKENS", 60_000),
        tutor_global_hourly_messages=_env_int("TUTOR_GLOBAL_HOURLY_MESSAGES", 1000),
        content_bucket=_env("CONTENT_BUCKET"),
        content_dir=_env("CONTENT_DIR", "content") or "content",
        github_repo=_env("GITHUB_CONTENT_REPO"),
        github_branch=_env("GITHUB_CONTENT_BRANCH", "main") or "main",
        github_api_base=(_env("GITHUB_API_BASE", "https://api.github.com") or "").rstrip("/"),
    )
    if settings.discord_rate_budget not in ("shared", "local"):
        raise SettingsError(
            f"DISCORD_RATE_BUDGET must be shared or local, got {settings.discord_rate_budget!r}"
        )
    if settings.is_deployed and settings.dev_login_enabled:
        raise SettingsError("DEV_LOGIN_ENABLED must be false in a deployed stack")
    if settings.is_deployed and settings.database_url is None and settings.db_host is None:
        raise SettingsError("DB_HOST (or DATABASE_URL) must be set in a deployed stack")
    return settings


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, loaded on first use."""
    return load_settings()


def reset_settings() -> None:
    """Forget cached settings and secrets (tests, and the local stack on reload)."""
    get_settings.cache_clear()
    if "aws_lambda_powertools.utilities.parameters" in __import__("sys").modules:
        from aws_lambda_powertools.utilities import parameters

        parameters.clear_caches()  # type: ignore[no-untyped-call]
