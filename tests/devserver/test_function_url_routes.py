"""The local stack finds a Function URL's routes in CloudFront's behaviours for its origin."""

from __future__ import annotations

from pathlib import Path

import pytest

from devserver.routing import match_route
from devserver.template import TemplateError, read_stack

URL_HOST = '!Select [2, !Split ["/", !GetAtt ChatFunctionUrl.FunctionUrl]]'


def _template(tmp_path: Path, pattern: str) -> Path:
    text = f"""
Resources:
  ApiFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/http_api/
      Events:
        Api: {{Type: HttpApi, Properties: {{Path: "/api/{{proxy+}}", Method: ANY}}}}
  ChatFunction:
    Type: AWS::Serverless::Function
    Properties: {{CodeUri: functions/tutor_chat/, Handler: run.sh}}
  ChatFunctionUrl:
    Type: AWS::Lambda::Url
    Properties: {{TargetFunctionArn: !GetAtt ChatFunction.Arn, AuthType: AWS_IAM}}
  Distribution:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Origins:
          - {{Id: api, DomainName: api.example}}
          - {{Id: chat, DomainName: {URL_HOST}}}
        CacheBehaviors:
          - {{PathPattern: "{pattern}", TargetOriginId: chat}}
          - {{PathPattern: /api/*, TargetOriginId: api}}
"""
    path = tmp_path / "template.yaml"
    path.write_text(text)
    return path


def test_a_behaviour_for_a_function_urls_origin_is_a_route_to_that_function(
    tmp_path: Path,
) -> None:
    stack = read_stack(_template(tmp_path, "/api/chat/*"))
    assert {(r.key, r.function) for r in stack.routes} == {
        ("ANY /api/{proxy+}", "ApiFunction"),
        ("ANY /api/chat/{proxy+}", "ChatFunction"),
    }
    match = match_route(stack.routes, "POST", "/api/chat/m/stream")
    assert match is not None and match.route.function == "ChatFunction"
    other = match_route(stack.routes, "GET", "/api/users/me")
    assert other is not None and other.route.function == "ApiFunction"


def test_a_pattern_that_is_not_a_prefix_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match=r"\*\.json"):
        read_stack(_template(tmp_path, "/api/chat/*.json"))
