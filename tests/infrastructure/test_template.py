"""template.yaml: linted, and declaring what the code and DESIGN.md rely on."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from devserver.template import FUNCTION_TYPE, load_template, read_stack
from roundtable.config import SECRET_NAMES
from tests.conftest import ROOT

TEMPLATE = ROOT / "template.yaml"
SAM = ROOT / ".venv-sam" / "bin" / "sam"
WORKER = "WorkerFunction"
ENQUEUERS = {
    "HttpApiFunction",
    "DiscordInteractionsFunction",
    "SendRemindersFunction",
    "SyncRsvpsFunction",
}
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(TEMPLATE)


def _functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: resource["Properties"]
        for name, resource in template["Resources"].items()
        if resource["Type"] == FUNCTION_TYPE
    }


def test_template_is_cfn_lint_clean() -> None:
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(
        [str(cfn_lint), str(TEMPLATE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(not SAM.exists(), reason="aws-sam-cli not installed (make build installs it)")
def test_template_passes_sam_validate_lint() -> None:
    env = {**os.environ, "SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": "us-east-1"}
    result = subprocess.run(
        [str(SAM), "validate", "--lint", "--template-file", str(TEMPLATE)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_http_api_routes_are_the_public_entry_points() -> None:
    routes = {(route.key, route.function) for route in read_stack(TEMPLATE).routes}
    assert routes == {
        ("ANY /api/{proxy+}", "HttpApiFunction"),
        ("ANY /api/tutor/{proxy+}", "TutorChatFunction"),
        ("ANY /auth/{proxy+}", "HttpApiFunction"),
        ("POST /discord/interactions", "DiscordInteractionsFunction"),
    }


def test_reminders_run_every_five_minutes_and_rsvp_sync_hourly(template: dict[str, Any]) -> None:
    expressions = {s.function: s.expression for s in read_stack(TEMPLATE).schedules}
    assert expressions == {
        "SendRemindersFunction": "rate(5 minutes)",
        "SyncRsvpsFunction": "rate(1 hour)",
    }


@pytest.mark.parametrize("function", ["SendRemindersFunction", "SyncRsvpsFunction"])
def test_schedules_are_scheduler_v2_with_retries_and_a_dead_letter_queue(
    template: dict[str, Any], function: str
) -> None:
    (event,) = _functions(template)[function]["Events"].values()
    props = event["Properties"]
    assert event["Type"] == "ScheduleV2"
    assert props["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    assert props["RetryPolicy"]["MaximumEventAgeInSeconds"] > 0
    queue = props["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
    assert template["Resources"][queue]["Type"] == "AWS::SQS::Queue"


def test_worker_async_invokes_expire_retry_and_land_in_a_failure_queue(
    template: dict[str, Any],
) -> None:
    config = _functions(template)[WORKER]["EventInvokeConfig"]
    assert 60 <= config["MaximumEventAgeInSeconds"] <= 21600
    assert 0 <= config["MaximumRetryAttempts"] <= 2
    on_failure = config["DestinationConfig"]["OnFailure"]
    assert on_failure["Type"] == "SQS"
    queue = on_failure["Destination"]["Fn::GetAtt"][0]
    assert template["Resources"][queue]["Type"] == "AWS::SQS::Queue"


def _invoke_grants(props: dict[str, Any]) -> list[Any]:
    """What a function's policies let it invoke (SAM policy templates and statements)."""
    grants: list[Any] = []
    for policy in props.get("Policies") or []:
        if isinstance(policy, dict) and "LambdaInvokePolicy" in policy:
            grants.append(policy["LambdaInvokePolicy"]["FunctionName"])
        for statement in (policy.get("Statement") or []) if isinstance(policy, dict) else []:
            actions = (
                statement["Action"]
                if isinstance(statement["Action"], list)
                else [statement["Action"]]
            )
            if any(action.startswith("lambda:") for action in actions):
                grants.append(statement["Resource"])
    return grants


def test_only_the_functions_that_enqueue_may_invoke_the_worker(template: dict[str, Any]) -> None:
    functions = _functions(template)
    may_invoke = {name for name, props in functions.items() if _invoke_grants(props)}
    assert may_invoke == ENQUEUERS | {WORKER}
    for name in ENQUEUERS:
        assert _invoke_grants(functions[name]) == [{"Ref": WORKER}]
        assert functions[name]["Environment"]["Variables"]["WORKER_FUNCTION_NAME"] == {
            "Ref": WORKER
        }
    worker_name = functions[WORKER]["FunctionName"]["Fn::Sub"]
    (own_grant,) = _invoke_grants(functions[WORKER])
    assert own_grant["Fn::Sub"].endswith(f":function:{worker_name}")  # itself, nothing else


def _param_names(props: dict[str, Any]) -> set[str]:
    variables = (props.get("Environment") or {}).get("Variables") or {}
    return {name.removesuffix("_PARAM") for name in variables if name.endswith("_PARAM")}


def _readable_parameters(props: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for policy in props.get("Policies") or []:
        for statement in (policy.get("Statement") or []) if isinstance(policy, dict) else []:
            if "ssm:GetParameter" not in str(statement["Action"]):
                continue
            for resource in statement["Resource"]:
                arn = resource["Fn::Sub"]
                assert "*" not in arn, f"wildcard parameter access: {arn}"
                names.add(arn.rsplit("${ParameterPrefix}/", 1)[1])
    return names


def _needed_secrets(folder: str) -> set[str]:
    """NEEDED_SECRETS as written in functions/<folder>/app.py (read, not imported)."""
    tree = ast.parse((ROOT / "functions" / folder / "app.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "NEEDED_SECRETS" for t in node.targets
        ):
            return set(ast.literal_eval(node.value))
    return set()


def test_each_function_reads_exactly_its_own_secrets(template: dict[str, Any]) -> None:
    stack = read_stack(TEMPLATE)
    for name, props in _functions(template).items():
        own = _param_names(props)
        assert own <= set(SECRET_NAMES), f"{name} names unknown secrets {own - set(SECRET_NAMES)}"
        assert _readable_parameters(props) == own, name
        needed = _needed_secrets(stack.functions[name].folder)
        assert needed <= own, f"{name} needs {needed - own} but may not read them"


def test_the_tutor_model_and_endpoint_are_parameters_only_the_tutor_reads(
    template: dict[str, Any],
) -> None:
    parameters = template["Parameters"]
    assert parameters["LlmModel"]["Default"] == "anthropic/claude-sonnet-4-5"
    assert parameters["LlmApiBase"]["Default"] == ""
    functions = _functions(template)
    tutor = functions["TutorChatFunction"]["Environment"]["Variables"]
    assert tutor["LLM_MODEL"] == {"Ref": "LlmModel"}
    assert tutor["LLM_API_BASE"] == {"Ref": "LlmApiBase"}
    others = [
        name
        for name, props in functions.items()
        if name != "TutorChatFunction" and {"LLM_MODEL", "LLM_API_BASE"} & set(_variables(props))
    ]
    assert others == []


def _variables(props: dict[str, Any]) -> dict[str, Any]:
    return dict(((props.get("Environment") or {}).get("Variables")) or {})


def test_no_secret_parameter_is_set_for_every_function(template: dict[str, Any]) -> None:
    shared = template["Globals"]["Function"]["Environment"]["Variables"]
    assert not [name for name in shared if name.endswith("_PARAM")]


def test_functions_run_deployed_settings_on_python_312_arm64_in_the_vpc(
    template: dict[str, Any],
) -> None:
    shared = template["Globals"]["Function"]
    assert shared["Runtime"] == "python3.12"
    assert shared["Architectures"] == ["arm64"]
    assert shared["Environment"]["Variables"]["ROUNDTABLE_STAGE"] == "deployed"
    assert shared["Environment"]["Variables"]["DEV_LOGIN_ENABLED"] == "false"
    assert shared["VpcConfig"] == {
        "SubnetIds": {"Ref": "SubnetIds"},
        "SecurityGroupIds": {"Ref": "SecurityGroupIds"},
    }


def test_every_function_logs_to_a_group_with_retention(template: dict[str, Any]) -> None:
    resources = template["Resources"]
    for name, props in _functions(template).items():
        group = props["LoggingConfig"]["LogGroup"]["Ref"]
        assert resources[group]["Type"] == "AWS::Logs::LogGroup", name
        assert resources[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


def test_cloudfront_sends_api_auth_and_discord_to_the_api_uncached(
    template: dict[str, Any],
) -> None:
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]}
    assert set(behaviours) == {"/api/*", "/auth/*", "/discord/*"}
    for pattern, behaviour in behaviours.items():
        assert behaviour["TargetOriginId"] == "api", pattern
        assert behaviour["CachePolicyId"] == CACHING_DISABLED, pattern
        assert behaviour["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST, pattern
        assert "POST" in behaviour["AllowedMethods"], pattern
    assert config["DefaultCacheBehavior"]["TargetOriginId"] == "site"


def test_buckets_are_private_and_the_site_is_read_only_through_cloudfront(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    buckets = [r for r in resources.values() if r["Type"] == "AWS::S3::Bucket"]
    assert len(buckets) == 2  # the site and the content bundles
    for bucket in buckets:
        block = bucket["Properties"]["PublicAccessBlockConfiguration"]
        assert all(block.values()) and len(block) == 4
    (statement,) = resources["SiteBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Action"] == "s3:GetObject"
    assert "AWS:SourceArn" in statement["Condition"]["StringEquals"]
    site = resources["Distribution"]["Properties"]["DistributionConfig"]["Origins"][0]
    assert site["OriginAccessControlId"] == {"Fn::GetAtt": ["SiteOriginAccessControl", "Id"]}


def _requirements(folder: str) -> set[str]:
    lines = (ROOT / "functions" / folder / "requirements.txt").read_text().splitlines()
    names = {line.split("#")[0].strip() for line in lines}
    return {
        name.split(">")[0].split("=")[0].split("<")[0].strip().lower() for name in names if name
    }


def test_heavy_packages_stay_out_of_the_http_and_discord_functions() -> None:
    assert "litellm" not in _requirements("http_api")
    assert _requirements("discord_interactions") == set()
    layer = (ROOT / "layers" / "common" / "requirements.txt").read_text().lower()
    for heavy in ("litellm", "google-api-python-client", "highspy", "fastapi"):
        assert heavy not in layer
