"""The metric names cannot drift: the template's alarms and dashboard read exactly the names
roundtable.telemetry accepts, and the domain emits every one of them and no other."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import Any

from devserver.template import load_template
from roundtable import telemetry
from tests.conftest import ROOT

TEMPLATE = ROOT / "template.yaml"
DOMAIN = ROOT / "layers" / "common" / "roundtable"
NAMESPACE = "Roundtable"
# Metrics Insights: SELECT SUM(JobsFailed) FROM Roundtable [WHERE ...]
_INSIGHTS = re.compile(r"SELECT\s+\w+\((\w+)\)\s+FROM\s+\"?" + NAMESPACE + r"\b")
# Dashboard search expressions and metric arrays.
_SEARCH = re.compile(r"SEARCH\('\s*" + NAMESPACE + r"\b[^']*MetricName=\\?\"(\w+)\\?\"")
_ARRAY = re.compile(r"\[\s*\"" + NAMESPACE + r"\"\s*,\s*\"(\w+)\"")


def _text(value: Any) -> str:
    """A template string, whether plain or inside !Sub."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return str(sub[0] if isinstance(sub, list) else sub)
    return str(value)


def _alarm_metrics(props: dict[str, Any]) -> Iterator[str]:
    if props.get("Namespace") == NAMESPACE:
        yield str(props["MetricName"])
    for query in props.get("Metrics") or []:
        yield from _INSIGHTS.findall(str(query.get("Expression", "")))
        metric = (query.get("MetricStat") or {}).get("Metric") or {}
        if metric.get("Namespace") == NAMESPACE:
            yield str(metric["MetricName"])


def template_metric_names() -> tuple[set[str], set[str]]:
    """(names the alarms read, names the dashboards show) in the Roundtable namespace."""
    alarms: set[str] = set()
    dashboards: set[str] = set()
    for resource in load_template(TEMPLATE)["Resources"].values():
        props = resource.get("Properties") or {}
        if resource["Type"] == "AWS::CloudWatch::Alarm":
            alarms.update(_alarm_metrics(props))
        elif resource["Type"] == "AWS::CloudWatch::Dashboard":
            body = _text(props["DashboardBody"])
            dashboards.update(_SEARCH.findall(body) + _ARRAY.findall(body))
    return alarms, dashboards


def test_the_template_reads_exactly_the_metrics_the_port_accepts() -> None:
    alarms, dashboards = template_metric_names()
    assert alarms, "no alarm on a Roundtable metric found: did the template's shape change?"
    assert alarms <= dashboards, f"alarmed but not on the dashboard: {alarms - dashboards}"
    assert dashboards == set(telemetry.METRICS)


def _emitted_names(tree: ast.AST) -> Iterator[tuple[int, str | None]]:
    """(line, name) for the first argument of each telemetry.count/measure call; name None
    when it is not text written at the call (a variable must come from a dict of names)."""
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("count", "measure")
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "telemetry"
        ):
            continue
        constants = [
            n.value
            for n in ast.walk(node.args[0])
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
        ]
        if not constants:
            yield node.lineno, None
        for name in constants:
            yield node.lineno, name


def _name_tables(tree: ast.AST) -> set[str]:
    """Module-level dicts whose values are metric names (e.g. outcome -> metric)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            values = [v.value for v in node.value.values if isinstance(v, ast.Constant)]
            if values and all(v in telemetry.METRICS for v in values):
                names.update(str(v) for v in values)
    return names


def _domain_emissions() -> dict[str, set[str]]:
    """metric name -> the modules that emit it; fails on a name the port does not accept."""
    found: dict[str, set[str]] = {}
    for path in sorted(DOMAIN.rglob("*.py")):
        if path.name == "telemetry.py":
            continue
        tree = ast.parse(path.read_text(), str(path))
        where = str(path.relative_to(ROOT))
        calls = list(_emitted_names(tree))
        tables = _name_tables(tree) if any(name is None for _, name in calls) else set()
        for line, name in calls:
            if name is None:
                assert tables, f"{where}:{line}: a metric name that is neither text nor a table's"
                continue
            assert name in telemetry.METRICS, f"{where}:{line}: unknown metric {name!r}"
            found.setdefault(name, set()).add(where)
        for name in tables:
            found.setdefault(name, set()).add(where)
    return found


def test_the_domain_emits_every_metric_and_only_known_ones() -> None:
    emitted = _domain_emissions()
    assert set(emitted) == set(telemetry.METRICS), {
        "never emitted": set(telemetry.METRICS) - set(emitted)
    }


def test_the_drift_checks_would_see_a_new_name() -> None:
    tree = ast.parse('telemetry.count("JobsRetried", Kind=kind)\n')
    assert list(_emitted_names(tree)) == [(1, "JobsRetried")]
    assert "JobsRetried" not in telemetry.METRICS
    body = r"""{"expression": "SEARCH('Roundtable MetricName=\"JobsRetried\"', 'Sum', 300)"}"""
    assert _SEARCH.findall(body) == ["JobsRetried"]
    assert _INSIGHTS.findall("SELECT MAX(JobsRetried) FROM Roundtable WHERE Kind = 'x'") == [
        "JobsRetried"
    ]
