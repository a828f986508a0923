"""Settings: lazy, typed, secrets from SSM / Secrets Manager, refusals in a deployed stack."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from roundtable.config import SettingsError, get_settings, load_settings, reset_settings


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        yield
    reset_settings()


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ROUNDTABLE_STAGE", "deployed")
    monkeypatch.setenv("DB_HOST", "db.internal")
    monkeypatch.delenv("DEV_LOGIN_ENABLED", raising=False)
    monkeypatch.delenv("DISCORD_PUBLIC_KEY", raising=False)


def test_importing_the_package_does_not_read_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess
    import sys

    code = (
        "import roundtable.config as c, roundtable.db.engine, roundtable.jobs;"
        "print(c.get_settings.cache_info().currsize)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"ROUNDTABLE_STAGE": "nonsense", "PATH": ""},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0"


def test_settings_are_built_once_and_reused() -> None:
    assert get_settings() is get_settings()


def test_a_secret_comes_from_ssm_when_only_its_parameter_name_is_set(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    boto3.client("ssm").put_parameter(
        Name="/roundtable/prod/jwt-secret", Value="s3cr3t-from-ssm", Type="SecureString"
    )
    monkeypatch.delenv("JWT_SECRET", raising=False)
    monkeypatch.setenv("JWT_SECRET_PARAM", "/roundtable/prod/jwt-secret")
    assert load_settings().secret("JWT_SECRET") == "s3cr3t-from-ssm"


def test_a_secret_comes_from_secrets_manager_with_the_prefix(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    boto3.client("secretsmanager").create_secret(
        Name="roundtable/google", SecretString='{"type": "service_account"}'
    )
    monkeypatch.setenv("GOOGLE_SERVICE_ACCOUNT_JSON_PARAM", "secretsmanager:roundtable/google")
    assert load_settings().secret("GOOGLE_SERVICE_ACCOUNT_JSON") == '{"type": "service_account"}'


def test_a_plain_environment_variable_overrides_the_parameter(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENDGRID_API_KEY_PARAM", "/does/not/exist")
    monkeypatch.setenv("SENDGRID_API_KEY", "SG.from-the-environment")
    assert load_settings().secret("SENDGRID_API_KEY") == "SG.from-the-environment"


def test_the_discord_public_key_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DISCORD_PUBLIC_KEY", "9f" * 32)
    assert load_settings().require_secret("DISCORD_PUBLIC_KEY") == "9f" * 32


def test_the_discord_public_key_is_never_read_from_a_parameter(
    aws: None, deployed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It is public: the template passes it as a plain value, and a PING touches no SSM."""
    boto3.client("ssm").put_parameter(Name="/rt/key", Value="9f" * 32, Type="SecureString")
    monkeypatch.setenv("DISCORD_PUBLIC_KEY_PARAM", "/rt/key")
    with pytest.raises(SettingsError, match="set the environment variable DISCORD_PUBLIC_KEY"):
        load_settings().check_deployable(("DISCORD_PUBLIC_KEY",))


@pytest.mark.parametrize("placeholder", ["changeme", "placeholder", "dev-key", " "])
def test_a_deployed_stack_refuses_a_placeholder_discord_public_key(
    deployed: None, monkeypatch: pytest.MonkeyPatch, placeholder: str
) -> None:
    monkeypatch.setenv("DISCORD_PUBLIC_KEY", placeholder)
    with pytest.raises(SettingsError, match="DISCORD_PUBLIC_KEY is missing or a placeholder"):
        load_settings().check_deployable(("DISCORD_PUBLIC_KEY",))


def test_reading_the_discord_public_key_imports_no_aws_sdk() -> None:
    import subprocess
    import sys

    code = (
        "import sys, roundtable.config as c;"
        "s = c.get_settings(); s.check_deployable(('DISCORD_PUBLIC_KEY',));"
        "s.require_secret('DISCORD_PUBLIC_KEY');"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in"
        " ('boto3', 'botocore', 'aws_lambda_powertools')))"
    )
    env = {
        "PATH": "",
        "ROUNDTABLE_STAGE": "deployed",
        "DEV_LOGIN_ENABLED": "false",
        "DB_HOST": "db.internal",
        "DISCORD_PUBLIC_KEY": "9f" * 32,
        "DISCORD_PUBLIC_KEY_PARAM": "/would/need/ssm",
    }
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_deployed_stack_refuses_a_missing_secret_naming_it(
    aws: None, deployed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(SettingsError, match="DISCORD_PUBLIC_KEY is missing or a placeholder"):
        load_settings().check_deployable(("DISCORD_PUBLIC_KEY",))


@pytest.mark.parametrize("placeholder", ["changeme", "placeholder", "dev-secret", " "])
def test_a_deployed_stack_refuses_a_placeholder_secret(
    aws: None, deployed: None, monkeypatch: pytest.MonkeyPatch, placeholder: str
) -> None:
    boto3.client("ssm").put_parameter(Name="/rt/jwt", Value=placeholder, Type="SecureString")
    monkeypatch.setenv("JWT_SECRET_PARAM", "/rt/jwt")
    with pytest.raises(SettingsError, match="JWT_SECRET"):
        load_settings().check_deployable(("JWT_SECRET",))


def test_a_deployed_stack_refuses_the_dev_login(
    deployed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEV_LOGIN_ENABLED", "true")
    with pytest.raises(SettingsError, match="DEV_LOGIN_ENABLED must be false"):
        load_settings()


def test_the_dev_login_is_off_by_default_in_a_deployed_stack(deployed: None) -> None:
    assert load_settings().dev_login_enabled is False


@pytest.mark.parametrize(
    ("stage", "base_url", "secure"),
    [
        ("local", "http://127.0.0.1:8000", False),
        ("local", "https://roundtable.example", True),
        ("test", "http://127.0.0.1:8000", True),
        ("deployed", "http://roundtable.example", True),
        ("deployed", "https://roundtable.example", True),
    ],
)
def test_only_the_local_stack_on_plain_http_drops_secure_cookies(
    monkeypatch: pytest.MonkeyPatch, stage: str, base_url: str, secure: bool
) -> None:
    monkeypatch.setenv("ROUNDTABLE_STAGE", stage)
    monkeypatch.setenv("PUBLIC_BASE_URL", base_url)
    monkeypatch.setenv("DB_HOST", "db.internal")
    monkeypatch.delenv("DEV_LOGIN_ENABLED", raising=False)
    assert load_settings().cookies_secure is secure


def test_running_in_lambda_without_a_stage_means_deployed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ROUNDTABLE_STAGE")
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "roundtable-http-api")
    monkeypatch.setenv("DB_HOST", "db.internal")
    assert load_settings().stage == "deployed"


def test_a_deployed_stack_with_valid_secrets_starts(
    aws: None, deployed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    boto3.client("ssm").put_parameter(Name="/rt/jwt", Value="s3cr3t-" * 6, Type="SecureString")
    monkeypatch.setenv("JWT_SECRET_PARAM", "/rt/jwt")
    monkeypatch.setenv("DISCORD_PUBLIC_KEY", "9f" * 32)
    settings = load_settings()
    settings.check_deployable(("DISCORD_PUBLIC_KEY", "JWT_SECRET"))
    assert settings.db_tls and settings.db_behind_proxy


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DB_PORT", "fivefourthreetwo", "DB_PORT must be an integer"),
        ("DB_TLS", "maybe", "DB_TLS must be true or false"),
        ("DEFAULT_TIMEZONE", "Mars/Olympus", "DEFAULT_TIMEZONE must be an IANA time zone"),
        ("ROUNDTABLE_STAGE", "prod", "ROUNDTABLE_STAGE must be local, test or deployed"),
    ],
)
def test_malformed_settings_are_refused_with_the_setting_named(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=message):
        load_settings()


def test_unknown_secret_names_are_refused() -> None:
    with pytest.raises(SettingsError, match="unknown secret 'PASSWORD'"):
        load_settings().secret("PASSWORD")


def test_an_unreadable_parameter_is_an_error_naming_the_secret_and_parameter(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SENDGRID_API_KEY_PARAM", "/roundtable/prod/SENDGRID_API_KEY")
    with pytest.raises(SettingsError, match="SENDGRID_API_KEY: could not read parameter"):
        load_settings().secret("SENDGRID_API_KEY")


def test_an_optional_secret_may_be_absent_even_in_a_deployed_stack(
    aws: None, deployed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN_PARAM", "/roundtable/prod/GITHUB_TOKEN")
    assert load_settings().secret("GITHUB_TOKEN") is None
