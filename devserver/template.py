"""Read template.yaml: the one source of truth for functions, routes and schedules.

The local stack, the build size report and the template tests all read the
template through here, so what runs locally is what AWS would run.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = ROOT / "template.yaml"

FUNCTION_TYPE = "AWS::Serverless::Function"
FUNCTION_URL_TYPE = "AWS::Lambda::Url"
DISTRIBUTION_TYPE = "AWS::CloudFront::Distribution"
SCHEDULE_EVENT_TYPES = ("ScheduleV2", "Schedule")
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")


class TemplateError(ValueError):
    """template.yaml does not say what the local stack needs to know."""


class _CloudFormationLoader(yaml.SafeLoader):
    """A YAML loader that keeps CloudFormation short tags (!Ref, !Sub, ...) as data."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":  # !GetAtt Resource.Attribute
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CloudFormationLoader.add_multi_constructor("!", _intrinsic)


def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as plain data; short tags become their long forms ({"Ref": ...})."""
    with path.open() as stream:
        template = yaml.load(stream, Loader=_CloudFormationLoader)
    if not isinstance(template, dict) or not isinstance(template.get("Resources"), dict):
        raise TemplateError(f"{path} has no Resources section")
    return template


@dataclass(frozen=True)
class Route:
    """One route: METHOD /path, with {param} and a final {proxy+}.

    An HttpApi event of a function, or a CloudFront behaviour whose origin is a
    function's URL (`/api/tutor/*` becomes `ANY /api/tutor/{proxy+}`).
    """

    method: str
    path: str
    function: str

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Schedule:
    """One ScheduleV2 (or Schedule) event on a function."""

    name: str
    function: str
    expression: str
    input: str | None

    @property
    def interval(self) -> timedelta | None:
        """The period of a rate() expression; None for cron()."""
        return parse_rate(self.expression)


@dataclass(frozen=True)
class FunctionSpec:
    """What the local stack needs to know about one function."""

    logical_id: str
    folder: str
    handler: str
    timeout: int
    memory: int
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The folder under functions/, which is how devserver.functions loads it."""
        return self.folder


@dataclass(frozen=True)
class Stack:
    """Functions, routes, schedules and the worker, as the template declares them."""

    functions: dict[str, FunctionSpec]
    routes: list[Route]
    schedules: list[Schedule]
    worker: str | None
    layers: dict[str, str]


def parse_rate(expression: str) -> timedelta | None:
    """rate(5 minutes) -> 5 minutes; None for anything else (cron)."""
    match = _RATE.match(expression.strip())
    if match is None:
        return None
    amount, unit = int(match.group(1)), match.group(2).rstrip("s")
    return timedelta(**{f"{unit}s": amount})


def _globals(template: dict[str, Any]) -> dict[str, Any]:
    return dict((template.get("Globals") or {}).get("Function") or {})


def _function_spec(
    logical_id: str, props: dict[str, Any], defaults: dict[str, Any]
) -> FunctionSpec:
    code_uri = props.get("CodeUri")
    if not isinstance(code_uri, str) or not code_uri.strip("/").startswith("functions/"):
        raise TemplateError(f"{logical_id}: CodeUri must be functions/<name>/, got {code_uri!r}")
    return FunctionSpec(
        logical_id=logical_id,
        folder=code_uri.strip("/").split("/", 1)[1],
        handler=str(props.get("Handler", defaults.get("Handler", "app.handler"))),
        timeout=int(props.get("Timeout", defaults.get("Timeout", 3))),
        memory=int(props.get("MemorySize", defaults.get("MemorySize", 128))),
    )


def _events(logical_id: str, props: dict[str, Any]) -> tuple[list[Route], list[Schedule]]:
    routes: list[Route] = []
    schedules: list[Schedule] = []
    for name, event in (props.get("Events") or {}).items():
        kind, event_props = event.get("Type"), event.get("Properties") or {}
        if kind == "HttpApi":
            method = str(event_props.get("Method", "ANY")).upper()
            routes.append(Route(method, str(event_props["Path"]), logical_id))
        elif kind in SCHEDULE_EVENT_TYPES:
            expression = str(event_props["ScheduleExpression"])
            schedules.append(Schedule(name, logical_id, expression, event_props.get("Input")))
    return routes, schedules


def _function_url_routes(resources: dict[str, Any]) -> list[Route]:
    """What CloudFront sends to a function's URL: one route per cache behaviour whose
    origin's host is an AWS::Lambda::Url's (`!Select [2, !Split ["/", !GetAtt X.FunctionUrl]]`)."""
    url_functions = {
        name: _referenced_resource((resource.get("Properties") or {}).get("TargetFunctionArn"))
        for name, resource in resources.items()
        if resource["Type"] == FUNCTION_URL_TYPE
    }
    routes: list[Route] = []
    for resource in resources.values():
        if resource["Type"] != DISTRIBUTION_TYPE:
            continue
        config = resource["Properties"]["DistributionConfig"]
        origin_functions = {}
        for origin in config.get("Origins") or []:
            url = _url_in(origin.get("DomainName"), set(url_functions))
            if url is not None and url_functions[url] is not None:
                origin_functions[origin["Id"]] = url_functions[url]
        for behaviour in config.get("CacheBehaviors") or []:
            function = origin_functions.get(behaviour.get("TargetOriginId"))
            if function is not None:
                routes.append(Route("ANY", _route_path(str(behaviour["PathPattern"])), function))
    return routes


def _referenced_resource(value: Any) -> str | None:
    """X of `!GetAtt X.Arn` or `!Ref X`."""
    if isinstance(value, dict) and isinstance(value.get("Fn::GetAtt"), list):
        return str(value["Fn::GetAtt"][0])
    if isinstance(value, dict) and isinstance(value.get("Ref"), str):
        return str(value["Ref"])
    return None


def _url_in(value: Any, urls: set[str]) -> str | None:
    """The function URL resource whose FunctionUrl attribute `value` is built from."""
    if isinstance(value, dict):
        attribute = value.get("Fn::GetAtt")
        if isinstance(attribute, list) and attribute[0] in urls and attribute[1] == "FunctionUrl":
            return str(attribute[0])
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            found = _url_in(item, urls)
            if found is not None:
                return found
    return None


def _route_path(pattern: str) -> str:
    """A CloudFront path pattern as a route: `/api/tutor/*` -> `/api/tutor/{proxy+}`."""
    if not pattern.endswith("/*") or "*" in pattern[:-1]:
        raise TemplateError(f"path pattern {pattern!r}: only a final /* maps to a route")
    return pattern[:-1] + "{proxy+}"


def _worker(functions: dict[str, dict[str, Any]]) -> str | None:
    """The function the others name in WORKER_FUNCTION_NAME (!Ref WorkerFunction)."""
    for props in functions.values():
        variables = ((props.get("Environment") or {}).get("Variables")) or {}
        value = variables.get("WORKER_FUNCTION_NAME")
        if isinstance(value, dict) and isinstance(value.get("Ref"), str):
            return str(value["Ref"])
    return None


def read_stack(path: Path = TEMPLATE_PATH) -> Stack:
    """Functions, routes and schedules from the template at `path`."""
    template = load_template(path)
    defaults = _globals(template)
    resources: dict[str, Any] = template["Resources"]
    raw = {k: v.get("Properties") or {} for k, v in resources.items() if v["Type"] == FUNCTION_TYPE}
    functions: dict[str, FunctionSpec] = {}
    routes: list[Route] = []
    schedules: list[Schedule] = []
    for logical_id, props in raw.items():
        spec = _function_spec(logical_id, props, defaults)
        metadata = (resources[logical_id].get("Metadata") or {}).get("Roundtable") or {}
        functions[logical_id] = FunctionSpec(**{**spec.__dict__, "metadata": dict(metadata)})
        function_routes, function_schedules = _events(logical_id, props)
        routes += function_routes
        schedules += function_schedules
    routes += _function_url_routes(resources)
    layers = {
        k: str(v["Properties"]["ContentUri"])
        for k, v in resources.items()
        if v["Type"] == "AWS::Serverless::LayerVersion"
    }
    return Stack(functions, routes, schedules, _worker(raw), layers)


def function_layers(
    template: dict[str, Any], logical_id: str, conditions: Collection[str] = ()
) -> list[str]:
    """Logical ids of the template's layers a function uses (Globals plus its own).

    A layer attached under a condition (`!If [UseLiteLLM, !Ref LiteLLMLayer,
    !Ref AWS::NoValue]`) counts when that condition is in `conditions`, the
    conditions taken as true; the other branch otherwise. Layers named by ARN
    (the Lambda Web Adapter's) are not the template's and are left out.
    """
    found = (_layer_ref(item, conditions) for item in _layer_items(template, logical_id))
    return [layer for layer in found if layer is not None]


def conditional_layers(template: dict[str, Any], logical_id: str) -> dict[str, str]:
    """{condition: layer} for the layers a function uses only under a condition."""
    found = {}
    for item in _layer_items(template, logical_id):
        if isinstance(item, dict) and isinstance(item.get("Fn::If"), list):
            condition = str(item["Fn::If"][0])
            layer = _layer_ref(item, {condition})
            if layer is not None and layer != _layer_ref(item, ()):
                found[condition] = layer
    return found


def _layer_items(template: dict[str, Any], logical_id: str) -> list[Any]:
    props = template["Resources"][logical_id].get("Properties") or {}
    return list(_globals(template).get("Layers") or []) + list(props.get("Layers") or [])


def _layer_ref(item: Any, conditions: Collection[str]) -> str | None:
    if not isinstance(item, dict):
        return None
    if "Fn::If" in item:
        condition, when_true, when_false = item["Fn::If"]
        return _layer_ref(when_true if condition in conditions else when_false, conditions)
    ref = item.get("Ref")
    return str(ref) if isinstance(ref, str) and not ref.startswith("AWS::") else None
