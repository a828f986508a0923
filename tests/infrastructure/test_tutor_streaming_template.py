"""template.yaml: the tutor streams through the Lambda Web Adapter, a Function URL and the
existing CloudFront distribution (docs/tutor.md, "Packaging and streaming")."""

from __future__ import annotations

import ast
import os
import re
from typing import Any

import pytest

from devserver.template import load_template, read_stack
from tests.conftest import ROOT

TUTOR = "TutorChatFunction"
FOLDER = ROOT / "functions" / "tutor_chat"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
DISTRIBUTION_ARN = (
    "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}"
)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template(ROOT / "template.yaml")


@pytest.fixture(scope="module")
def tutor(template: dict[str, Any]) -> dict[str, Any]:
    return dict(template["Resources"][TUTOR]["Properties"])


def _constant(module: str, name: str) -> Any:
    tree = ast.parse((FOLDER / module).read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == name for t in node.targets
        ):
            return ast.literal_eval(node.value)
    raise AssertionError(f"{module} has no {name}")


def _of_type(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {n: r for n, r in template["Resources"].items() if r["Type"] == kind}


def _distribution(template: dict[str, Any]) -> dict[str, Any]:
    return dict(template["Resources"]["Distribution"]["Properties"]["DistributionConfig"])


def test_run_sh_is_the_handler_and_starts_uvicorn_on_the_adapters_port(
    tutor: dict[str, Any],
) -> None:
    assert tutor["Handler"] == "run.sh"
    script = FOLDER / "run.sh"
    assert os.access(script, os.X_OK)
    text = script.read_text()
    assert re.search(r"exec python -m uvicorn app:app --host 127\.0\.0\.1", text)
    assert '--port "${AWS_LWA_PORT:-${PORT:-8080}}"' in text
    requirements = (FOLDER / "requirements.txt").read_text()
    assert re.search(r"^uvicorn>=", requirements, re.M)


def test_the_adapter_layer_is_the_pinned_arm64_release(
    template: dict[str, Any], tutor: dict[str, Any]
) -> None:
    pinned = template["Mappings"]["LambdaWebAdapter"]["Arm64"]
    assert pinned == {"Account": "753240598075", "Version": "25"}  # v0.9.1
    # Plus the common layer, from Globals, and the optional LiteLLM layer.
    (layer,) = [item for item in tutor["Layers"] if "Fn::Sub" in item]
    arn, names = layer["Fn::Sub"]
    assert arn == (
        "arn:aws:lambda:${AWS::Region}:${Account}:layer:LambdaAdapterLayerArm64:${Version}"
    )
    assert names == {
        "Account": {"Fn::FindInMap": ["LambdaWebAdapter", "Arm64", "Account"]},
        "Version": {"Fn::FindInMap": ["LambdaWebAdapter", "Arm64", "Version"]},
    }
    assert template["Globals"]["Function"]["Architectures"] == ["arm64"]


def test_the_adapter_streams_and_checks_readiness_on_the_health_path(
    tutor: dict[str, Any],
) -> None:
    variables = tutor["Environment"]["Variables"]
    assert variables["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/bootstrap"
    assert variables["AWS_LWA_INVOKE_MODE"] == "response_stream"
    assert variables["AWS_LWA_READINESS_CHECK_PATH"] == _constant("app.py", "HEALTH_PATH")
    assert variables["AWS_LWA_PORT"].isdigit()


def test_a_streamed_reply_ends_before_the_function_times_out(tutor: dict[str, Any]) -> None:
    first_word_s = 25  # LLM_TIMEOUT_S's default
    assert tutor["Timeout"] > _constant("tutor_routes.py", "STREAM_TOTAL_S") + first_word_s


def test_the_tutor_has_no_http_api_route_but_its_function_url_behind_cloudfront(
    tutor: dict[str, Any],
) -> None:
    assert "Events" not in tutor
    routes = {(r.key, r.function) for r in read_stack(ROOT / "template.yaml").routes}
    assert ("ANY /api/tutor/{proxy+}", TUTOR) in routes  # what the local stack serves


def test_the_function_url_streams_and_only_iam_callers_may_use_it(
    template: dict[str, Any],
) -> None:
    (url,) = _of_type(template, "AWS::Lambda::Url").values()
    assert url["Properties"] == {
        "TargetFunctionArn": {"Fn::GetAtt": [TUTOR, "Arn"]},
        "AuthType": "AWS_IAM",
        "InvokeMode": "RESPONSE_STREAM",
    }


def test_only_the_distribution_may_invoke_it_with_both_actions(template: dict[str, Any]) -> None:
    permissions = {
        p["Properties"]["Action"]: p["Properties"]
        for p in _of_type(template, "AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == {"Ref": TUTOR}
    }
    assert set(permissions) == {"lambda:InvokeFunctionUrl", "lambda:InvokeFunction"}
    for permission in permissions.values():
        assert permission["Principal"] == "cloudfront.amazonaws.com"
        assert permission["SourceArn"] == {"Fn::Sub": DISTRIBUTION_ARN}
    assert permissions["lambda:InvokeFunctionUrl"]["FunctionUrlAuthType"] == "AWS_IAM"
    assert permissions["lambda:InvokeFunction"]["InvokedViaFunctionUrl"] is True


def test_cloudfront_signs_every_request_to_the_url_with_a_lambda_oac(
    template: dict[str, Any],
) -> None:
    access = _of_type(template, "AWS::CloudFront::OriginAccessControl")
    config = access["TutorChatOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert config["OriginAccessControlOriginType"] == "lambda"
    assert (config["SigningBehavior"], config["SigningProtocol"]) == ("always", "sigv4")


def test_the_tutor_origin_is_the_urls_host_with_the_origin_secret_and_a_streaming_timeout(
    template: dict[str, Any],
) -> None:
    origins = {o["Id"]: o for o in _distribution(template)["Origins"]}
    tutor = origins["tutor"]
    url = {"Fn::GetAtt": ["TutorChatFunctionUrl", "FunctionUrl"]}
    assert tutor["DomainName"] == {"Fn::Select": [2, {"Fn::Split": ["/", url]}]}
    assert tutor["OriginAccessControlId"] == {"Fn::GetAtt": ["TutorChatOriginAccessControl", "Id"]}
    assert tutor["OriginCustomHeaders"] == origins["api"]["OriginCustomHeaders"]
    custom = tutor["CustomOriginConfig"]
    assert custom["OriginProtocolPolicy"] == "https-only"
    # The first word may take LLM_TIMEOUT_S (25 s) after a cold start; 60 s is the most
    # CloudFront allows without a quota increase.
    assert 30 < custom["OriginReadTimeout"] <= 60


def test_api_tutor_goes_to_the_url_uncached_and_before_the_apis_own_behaviour(
    template: dict[str, Any],
) -> None:
    behaviours = _distribution(template)["CacheBehaviors"]
    patterns = [b["PathPattern"] for b in behaviours]
    assert patterns.index("/api/tutor/*") < patterns.index("/api/*")  # first match wins
    tutor = behaviours[patterns.index("/api/tutor/*")]
    assert tutor["TargetOriginId"] == "tutor"
    assert tutor["CachePolicyId"] == CACHING_DISABLED
    # Cookies, query strings and every header but Host: x-amz-content-sha256 reaches the
    # URL, as OAC requires for a POST body.
    assert tutor["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST
    assert {"GET", "POST"} <= set(tutor["AllowedMethods"])
    assert tutor["Compress"] is False  # compression would hold words back


def test_tutor_concurrency_is_capped_by_a_parameter_zero_meaning_none(
    template: dict[str, Any], tutor: dict[str, Any]
) -> None:
    parameter = template["Parameters"]["TutorReservedConcurrency"]
    assert parameter["MinValue"] == 0 and 1 <= parameter["Default"] <= 50
    assert tutor["ReservedConcurrentExecutions"] == {
        "Fn::If": [
            "CapTutorConcurrency",
            {"Ref": "TutorReservedConcurrency"},
            {"Ref": "AWS::NoValue"},
        ]
    }
    assert template["Conditions"]["CapTutorConcurrency"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "TutorReservedConcurrency"}, 0]}]
    }
