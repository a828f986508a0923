"""template.yaml: linted, and declaring what the code and DESIGN.md rely on."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from devserver.template import FUNCTION_TYPE, function_layers, load_template, read_stack
from roundtable.config import ENVIRONMENT_ONLY, SECRET_NAMES
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


# Secrets the template generates in Secrets Manager: resource → the setting it fills.
GENERATED_SECRETS = {"OriginVerifySecret": "ORIGIN_VERIFY_SECRET"}


def _readable_parameters(props: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    for policy in props.get("Policies") or []:
        for statement in (policy.get("Statement") or []) if isinstance(policy, dict) else []:
            if statement["Action"] == "secretsmanager:GetSecretValue":
                names.add(GENERATED_SECRETS[statement["Resource"]["Ref"]])
                continue
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
        assert not own & ENVIRONMENT_ONLY, f"{name} reads a public value from SSM"
        assert _readable_parameters(props) == own, name
        needed = _needed_secrets(stack.functions[name].folder)
        from_parameters = needed - ENVIRONMENT_ONLY
        assert from_parameters <= own, f"{name} needs {from_parameters - own} but may not read them"
        for public in needed & ENVIRONMENT_ONLY:
            value = _variables(props).get(public)
            assert isinstance(value, dict) and value.get("Ref") in template["Parameters"], public


def test_the_discord_public_key_is_a_checked_plain_parameter(template: dict[str, Any]) -> None:
    parameter = template["Parameters"]["DiscordPublicKey"]
    assert "Default" not in parameter  # required: a deploy without it is refused
    assert parameter["AllowedPattern"] == "^[0-9a-fA-F]{64}$"
    discord = _variables(_functions(template)["DiscordInteractionsFunction"])
    assert discord["DISCORD_PUBLIC_KEY"] == {"Ref": "DiscordPublicKey"}
    assert "DISCORD_PUBLIC_KEY_PARAM" not in discord


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
    behaviours.pop("/api/tutor/*")  # the tutor's Function URL: test_tutor_streaming_template.py
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


# --- Alarms and the dashboard ------------------------------------------------

ALARM = "AWS::CloudWatch::Alarm"
CUSTOM_METRICS = (
    "JobsSucceeded",
    "JobsFailed",
    "NotificationsSent",
    "NotificationsFailed",
    "NotificationsSkipped",
    "ExternalCalls",
    "ExternalErrors",
    "ExternalRateLimited",
    "SyncMutations",
    "SchedulingSeconds",
    "SchedulingGap",
    "TutorTokens",
    "TutorErrors",
)


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def _alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: r["Properties"] for name, r in _of_type(template, ALARM).items()}


def _failure_queues(template: dict[str, Any]) -> set[str]:
    """Queues that schedules dead-letter into, async invokes fail over to, or other
    queues redrive to."""
    queues = set()
    for props in _functions(template).values():
        for event in (props.get("Events") or {}).values():
            dead_letter = (event.get("Properties") or {}).get("DeadLetterConfig")
            if dead_letter:
                queues.add(dead_letter["Arn"]["Fn::GetAtt"][0])
        on_failure = ((props.get("EventInvokeConfig") or {}).get("DestinationConfig") or {}).get(
            "OnFailure"
        )
        if on_failure:
            queues.add(on_failure["Destination"]["Fn::GetAtt"][0])
    for queue in _of_type(template, "AWS::SQS::Queue").values():
        redrive = queue["Properties"].get("RedrivePolicy")
        if redrive:
            queues.add(redrive["deadLetterTargetArn"]["Fn::GetAtt"][0])
    return queues


def _work_queues(template: dict[str, Any]) -> set[str]:
    """Queues a function consumes (SQS event sources)."""
    return {
        event["Properties"]["Queue"]["Fn::GetAtt"][0]
        for props in _functions(template).values()
        for event in (props.get("Events") or {}).values()
        if event["Type"] == "SQS"
    }


def _single_metric_alarms(
    template: dict[str, Any], namespace: str, metric: str
) -> dict[str, dict[str, Any]]:
    """{dimension value (Ref or GetAtt target): alarm properties} for one plain metric."""
    found = {}
    for props in _alarms(template).values():
        if (props.get("Namespace"), props.get("MetricName")) != (namespace, metric):
            continue
        (dimension,) = props["Dimensions"]
        value = dimension["Value"]
        found[value.get("Ref") or value["Fn::GetAtt"][0]] = props
    return found


def test_every_dead_letter_and_failure_queue_alarms_on_any_message(
    template: dict[str, Any],
) -> None:
    queues = set(_of_type(template, "AWS::SQS::Queue")) - _work_queues(template)
    assert _failure_queues(template) == queues  # no queue of another purpose goes unwatched
    alarms = _single_metric_alarms(template, "AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert set(alarms) == queues
    for queue, alarm in alarms.items():
        assert alarm["Dimensions"][0] == {
            "Name": "QueueName",
            "Value": {"Fn::GetAtt": [queue, "QueueName"]},
        }
        assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)
        assert alarm["Statistic"] == "Maximum"


def test_every_work_queue_dead_letters_and_alarms_when_it_falls_behind(
    template: dict[str, Any],
) -> None:
    work = _work_queues(template)
    assert work == {"ReminderBatchesQueue"}
    alarms = _single_metric_alarms(template, "AWS/SQS", "ApproximateAgeOfOldestMessage")
    assert set(alarms) == work
    resources = template["Resources"]
    for queue in work:
        redrive = resources[queue]["Properties"]["RedrivePolicy"]
        assert redrive["maxReceiveCount"] >= 2
        assert redrive["deadLetterTargetArn"]["Fn::GetAtt"][0] in _failure_queues(template)


def test_reminder_batches_are_sent_one_at_a_time_by_at_most_two_senders_sharing_discords_limit(
    template: dict[str, Any],
) -> None:
    """docs/notifications.md, "Sending at scale": every function shares one Discord budget
    (DISCORD_RATE_BUDGET=shared, the deployed default), so none sets its own pace or a
    budget of its own."""
    for name, function in _functions(template).items():
        variables = (function.get("Environment") or {}).get("Variables") or {}
        assert "DISCORD_GLOBAL_RATE" not in variables, name
        assert variables.get("DISCORD_RATE_BUDGET", "shared") == "shared", name
    sender = _functions(template)["SendBatchFunction"]
    (event,) = sender["Events"].values()
    props = event["Properties"]
    assert (event["Type"], props["BatchSize"]) == ("SQS", 1)
    assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    instances = props["ScalingConfig"]["MaximumConcurrency"]
    assert sender["ReservedConcurrentExecutions"] == instances
    queue = template["Resources"]["ReminderBatchesQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * sender["Timeout"]
    sweep = _functions(template)["SendRemindersFunction"]
    assert sweep["Environment"]["Variables"]["REMINDER_BATCHES_QUEUE_URL"] == {
        "Ref": "ReminderBatchesQueue"
    }


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_alarms_on_errors_and_throttles(
    template: dict[str, Any], metric: str
) -> None:
    alarms = _single_metric_alarms(template, "AWS/Lambda", metric)
    assert set(alarms) == set(_functions(template))
    for name, alarm in alarms.items():
        assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("GreaterThanThreshold", 0)
        assert alarm["Statistic"] == "Sum", name


def test_long_running_functions_alarm_before_their_timeout(template: dict[str, Any]) -> None:
    alarms = _single_metric_alarms(template, "AWS/Lambda", "Duration")
    functions = _functions(template)
    assert {WORKER, "SendRemindersFunction", "SyncRsvpsFunction"} <= set(alarms)
    for name, alarm in alarms.items():
        timeout_ms = functions[name]["Timeout"] * 1000
        assert alarm["Statistic"] == "Maximum"
        assert 0.5 * timeout_ms <= alarm["Threshold"] < timeout_ms, name


def _metric_queries(alarm: dict[str, Any]) -> str:
    return " ".join(str(query) for query in alarm.get("Metrics") or [])


def test_the_api_5xx_rate_jobs_failed_and_notification_failure_rate_alarm(
    template: dict[str, Any],
) -> None:
    alarms = _alarms(template)
    api = alarms["HttpApi5xxRateAlarm"]
    assert "'MetricName': '5xx'" in _metric_queries(api)
    assert "'MetricName': 'Count'" in _metric_queries(api)
    (returned,) = [query for query in api["Metrics"] if query["ReturnData"]]
    assert "/ requests" in returned["Expression"]
    assert "SUM(JobsFailed) FROM Roundtable" in _metric_queries(alarms["JobsFailedAlarm"])
    notifications = _metric_queries(alarms["NotificationFailureRateAlarm"])
    assert "SUM(NotificationsFailed) FROM Roundtable" in notifications
    assert "SUM(NotificationsSent) FROM Roundtable" in notifications


def test_the_shared_discord_budget_alarms_far_below_the_ban_and_on_sustained_waiting(
    template: dict[str, Any],
) -> None:
    alarms = _alarms(template)
    invalid = alarms["DiscordInvalidRequestsAlarm"]
    assert "SUM(DiscordInvalidRequests) FROM Roundtable" in _metric_queries(invalid)
    (query,) = invalid["Metrics"]
    # Discord bans after 10,000 invalid answers in 10 minutes, and the shared budget halts
    # every worker at DISCORD_INVALID_REQUEST_BUDGET (500): warn well before either.
    assert query["Period"] == 600 and invalid["EvaluationPeriods"] == 1
    assert invalid["Threshold"] < 500
    assert invalid["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    waiting = alarms["DiscordPermitWaitAlarm"]
    assert "SUM(DiscordPermitWaitSeconds) FROM Roundtable" in _metric_queries(waiting)
    (query,) = waiting["Metrics"]
    # Sustained: every period of a quarter of an hour, not one busy burst.
    assert query["Period"] * waiting["EvaluationPeriods"] >= 900
    assert waiting["DatapointsToAlarm"] == waiting["EvaluationPeriods"]


def test_every_alarm_notifies_the_topic_which_an_email_subscribes_to_when_given(
    template: dict[str, Any],
) -> None:
    (topic,) = _of_type(template, "AWS::SNS::Topic")
    for name, alarm in _alarms(template).items():
        assert {"Ref": topic} in alarm["AlarmActions"], name
        assert alarm.get("TreatMissingData") == "notBreaching", name
    (subscription,) = _of_type(template, "AWS::SNS::Subscription").values()
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
    assert template["Parameters"]["AlarmEmail"]["Default"] == ""
    assert template["Conditions"]["HasAlarmEmail"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]
    }


def _dashboard(template: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The dashboard body as JSON (${...} substitutions replaced by their names)."""
    (dashboard,) = _of_type(template, "AWS::CloudWatch::Dashboard").values()
    body = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    resolved = re.sub(r"\$\{([^}]+)\}", lambda match: match.group(1), body)
    return json.loads(resolved), resolved


def test_the_dashboard_shows_functions_api_queues_and_the_custom_metrics(
    template: dict[str, Any],
) -> None:
    body, text = _dashboard(template)
    assert body["widgets"]
    for name in _functions(template):
        for metric in ("Invocations", "Errors", "Duration"):
            assert f'"AWS/Lambda", "{metric}", "FunctionName", "{name}"' in text, (name, metric)
    for metric in ("Count", "4xx", "5xx", "Latency"):
        assert f'"AWS/ApiGateway", "{metric}", "ApiId", "HttpApi"' in text, metric
    for queue in _of_type(template, "AWS::SQS::Queue"):
        assert f'"QueueName", "{queue}.QueueName"' in text, queue
    for metric in CUSTOM_METRICS:
        assert f'Roundtable MetricName=\\"{metric}\\"' in text, metric


# --- Connections ----------------------------------------------------------------


def test_the_worker_has_reserved_concurrency_from_a_parameter(template: dict[str, Any]) -> None:
    worker = _functions(template)[WORKER]
    assert worker["ReservedConcurrentExecutions"] == {"Ref": "WorkerReservedConcurrency"}
    assert 1 <= template["Parameters"]["WorkerReservedConcurrency"]["Default"] <= 10


def test_the_database_proxy_is_optional_and_when_created_the_functions_use_it_with_iam(
    template: dict[str, Any],
) -> None:
    assert template["Parameters"]["CreateDatabaseProxy"]["Default"] == "false"
    assert template["Conditions"]["UseDatabaseProxy"] == {
        "Fn::Equals": [{"Ref": "CreateDatabaseProxy"}, "true"]
    }
    resources = template["Resources"]
    proxy_resources = {
        name
        for name, resource in resources.items()
        if resource["Type"].startswith("AWS::RDS::") or name.startswith("DatabaseProxy")
    }
    assert {"DatabaseProxy", "DatabaseProxyTargetGroup", "DatabaseProxyConnectPolicy"} <= (
        proxy_resources
    )
    for name in proxy_resources:
        assert resources[name].get("Condition") == "UseDatabaseProxy", name
    (auth,) = resources["DatabaseProxy"]["Properties"]["Auth"]
    assert auth["IAMAuth"] == "REQUIRED"
    assert resources["DatabaseProxy"]["Properties"]["RequireTLS"] is True
    shared = template["Globals"]["Function"]["Environment"]["Variables"]
    assert shared["DB_HOST"] == {
        "Fn::If": [
            "UseDatabaseProxy",
            {"Fn::GetAtt": ["DatabaseProxy", "Endpoint"]},
            {"Ref": "DatabaseHost"},
        ]
    }
    assert shared["DB_IAM_AUTH"] == {"Fn::If": ["UseDatabaseProxy", "true", "false"]}
    policy = resources["DatabaseProxyConnectPolicy"]["Properties"]
    assert policy["PolicyDocument"]["Statement"][0]["Action"] == "rds-db:connect"
    roles = {role["Ref"] for role in policy["Roles"]}
    assert roles == {f"{name}Role" for name in _functions(template)}


# --- Migrations on deploy ----------------------------------------------------------


def test_the_database_is_migrated_before_any_function_serves_new_code(
    template: dict[str, Any],
) -> None:
    resources = template["Resources"]
    migration = resources["DatabaseMigration"]
    assert migration["Type"].startswith("Custom::")
    props = migration["Properties"]
    assert props["ServiceToken"] == {"Fn::GetAtt": ["MigrateFunction", "Arn"]}
    assert props["Layer"] == {"Ref": "CommonLayer"}  # a new layer version re-runs it
    assert props["ServiceTimeout"] <= _functions(template)["MigrateFunction"]["Timeout"] + 60
    for name in _functions(template):
        if name == "MigrateFunction":
            assert "DependsOn" not in resources[name]
            continue
        depends = resources[name].get("DependsOn")
        assert "DatabaseMigration" in ([depends] if isinstance(depends, str) else depends), name


# --- Build ------------------------------------------------------------------------------


def _makefile_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    listed = re.search(r"^LAMBDA_FUNCTIONS := (.*?)(?<!\\)$", text, re.M | re.S)
    assert listed is not None
    names = listed.group(1).replace("\\\n", " ").split()
    targets = {f"build-{name}" for name in names}
    targets |= set(re.findall(r"^(build-[A-Za-z]+):", text, re.M))
    return targets


def test_every_function_and_the_layer_build_with_the_makefile_from_a_lock_file(
    template: dict[str, Any],
) -> None:
    targets = _makefile_targets()
    resources = template["Resources"]
    buildable = {
        name: resource
        for name, resource in resources.items()
        if resource["Type"] in (FUNCTION_TYPE, "AWS::Serverless::LayerVersion")
    }
    for name, resource in buildable.items():
        assert resource["Metadata"]["BuildMethod"] == "makefile", name
        assert f"build-{name}" in targets, name
        props = resource["Properties"]
        folder = ROOT / (props.get("CodeUri") or props["ContentUri"])
        assert (folder / "requirements.lock").is_file(), name


def _locked(path: Path) -> dict[str, str]:
    entry = r"^([a-z0-9-]+)==(\S+) \\\n\s+--hash=sha256:[0-9a-f]{64}$"
    return dict(re.findall(entry, path.read_text(), re.M))


def test_function_locks_pin_exact_hashed_versions_and_never_repeat_the_layer() -> None:
    layer = _locked(ROOT / "layers" / "common" / "requirements.lock")
    assert {"sqlalchemy", "pg8000", "python-dateutil", "aws-lambda-powertools"} <= set(layer)
    for lock in sorted((ROOT / "functions").glob("*/requirements.lock")):
        pins = _locked(lock)
        entries = [line for line in lock.read_text().splitlines() if "==" in line]
        assert len(pins) == len(entries), f"{lock}: an entry without an exact version and hash"
        assert not set(pins) & set(layer), f"{lock} shadows the layer: {set(pins) & set(layer)}"
        assert not {"boto3", "botocore", "s3transfer"} & set(pins), lock
    tutor = _locked(ROOT / "functions" / "tutor_chat" / "requirements.lock")
    assert "litellm" not in tutor and "openai" not in tutor  # the optional layer's
    assert "httpx" in tutor


def test_the_litellm_layer_adds_only_what_the_common_layer_and_the_tutor_lack() -> None:
    layer = _locked(ROOT / "layers" / "common" / "requirements.lock")
    tutor = _locked(ROOT / "functions" / "tutor_chat" / "requirements.lock")
    litellm = _locked(ROOT / "layers" / "litellm" / "requirements.lock")
    assert {"litellm", "openai", "tokenizers"} <= set(litellm)
    assert not set(litellm) & (set(layer) | set(tutor)), set(litellm) & (set(layer) | set(tutor))
    assert not {"boto3", "botocore", "s3transfer"} & set(litellm)
    assert "litellm==" in (ROOT / "layers" / "litellm" / "requirements.txt").read_text()


def test_the_litellm_layer_is_attached_to_the_tutor_only_when_the_parameter_asks(
    template: dict[str, Any],
) -> None:
    parameter = template["Parameters"]["TutorModelLibrary"]
    assert parameter["Default"] == "direct"
    assert parameter["AllowedValues"] == ["direct", "litellm"]
    assert template["Conditions"]["UseLiteLLM"] == {
        "Fn::Equals": [{"Ref": "TutorModelLibrary"}, "litellm"]
    }
    layer = template["Resources"]["LiteLLMLayer"]
    assert layer["Type"] == "AWS::Serverless::LayerVersion"
    assert layer["Condition"] == "UseLiteLLM"  # not even published by default
    assert layer["Properties"]["ContentUri"] == "layers/litellm/"
    assert function_layers(template, "TutorChatFunction") == ["CommonLayer"]
    with_litellm = function_layers(template, "TutorChatFunction", {"UseLiteLLM"})
    assert with_litellm == ["CommonLayer", "LiteLLMLayer"]
    for name in _functions(template):
        if name != "TutorChatFunction":
            assert "LiteLLMLayer" not in function_layers(template, name, {"UseLiteLLM"}), name


def test_the_web_functions_are_reachable_only_through_cloudfront(template: dict[str, Any]) -> None:
    """Issue 16, finding 1: CloudFront adds the origin secret the web functions require."""
    secret = template["Resources"]["OriginVerifySecret"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert secret["Properties"]["GenerateSecretString"]["PasswordLength"] >= 32
    config = template["Resources"]["Distribution"]["Properties"]["DistributionConfig"]
    (api,) = [origin for origin in config["Origins"] if origin["Id"] == "api"]
    (header,) = api["OriginCustomHeaders"]
    assert header["HeaderName"].lower() == "x-origin-verify"
    assert "${OriginVerifySecret}" in header["HeaderValue"]["Fn::Sub"]
    functions = _functions(template)
    for name in ("HttpApiFunction", "TutorChatFunction"):
        variables = _variables(functions[name])
        assert variables["ORIGIN_VERIFY_SECRET_PARAM"] == {
            "Fn::Sub": "secretsmanager:${OriginVerifySecret}"
        }
        assert "ORIGIN_VERIFY_SECRET" in _readable_parameters(functions[name])
