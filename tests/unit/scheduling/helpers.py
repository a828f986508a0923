"""Small builders for v1 instance documents and a one-call solve."""

from __future__ import annotations

from typing import Any

from roundtable.scheduling.instance import FORMAT, parse_instance, result_document
from roundtable.scheduling.scheduler import schedule


def person(
    person_id: str, zone: str, availability: dict[str, list[list[str]]], **extra: Any
) -> dict[str, Any]:
    role = "facilitator" if person_id.startswith("F") else "learner"
    return {
        "id": person_id,
        "role": role,
        "timezone": zone,
        "availability_local": availability,
        "if_needed_local": extra.pop("if_needed", {}),
        **extra,
    }


def crowd(prefix: str, count: int, zone: str, availability: dict[str, Any]) -> list[dict[str, Any]]:
    return [person(f"{prefix}{i}", zone, availability) for i in range(count)]


def instance(people: list[dict[str, Any]], **params: Any) -> dict[str, Any]:
    return {"format": FORMAT, "params": params, "people": people}


def solve(document: dict[str, Any], **options: Any) -> dict[str, Any]:
    params, people, existing = parse_instance(document)
    options.setdefault("time_limit", 20.0)
    document_out = result_document(schedule(people, params, existing, **options), params)
    return document_out


def reasons(result: dict[str, Any]) -> dict[str, str]:
    return {u["id"]: u["reason"] for u in result["unplaced"]}


def group_of(result: dict[str, Any], member: str) -> dict[str, Any]:
    return next(g for g in result["groups"] if member in g["learners"] + g["facilitators"])
