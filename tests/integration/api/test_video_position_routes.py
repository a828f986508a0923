"""POST /api/progress/video-position and the module's `resume_at_s`, through the web API on
the real database: saved as JSON or as a beacon, clamped, refused clearly, claimed at login."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

MODULE = "balancing-the-room"
VIDEO = "balancing-the-room.three-moves.video"  # from 1:00 to 3:05


def _save(client: TestClient, position: Any, **overrides: Any) -> Any:
    body = {"module_slug": MODULE, "segment_id": VIDEO, "position_s": position, **overrides}
    return client.post("/api/progress/video-position", json=body)


def _resume_at(client: TestClient) -> Any:
    module = client.get(f"/api/modules/{MODULE}").json()
    segments = [g for o in module["outcomes"] for s in o["sections"] for g in s["segments"]]
    return next(g for g in segments if g["id"] == VIDEO)["resume_at_s"]


def test_a_video_i_have_not_watched_has_no_position(client: TestClient) -> None:
    assert _resume_at(client) is None


def test_the_module_resumes_where_i_stopped_clamped_to_the_excerpt(client: TestClient) -> None:
    assert _save(client, 83.7).status_code == 204
    assert _resume_at(client) == 83

    assert _save(client, 999).status_code == 204  # past the excerpt's end (3:05)
    assert _resume_at(client) == 185


def test_a_position_sent_by_send_beacon_as_text_plain_is_saved(client: TestClient) -> None:
    body = json.dumps({"module_slug": MODULE, "segment_id": VIDEO, "position_s": 121})
    answer = client.post(
        "/api/progress/video-position",
        content=body,
        headers={"content-type": "text/plain;charset=UTF-8"},
    )
    assert answer.status_code == 204
    assert _resume_at(client) == 121


@pytest.mark.parametrize(
    ("position", "overrides", "field"),
    [
        (-5, {}, "position_s"),
        ("soon", {}, "position_s"),
        (86_401, {}, "position_s"),
        (70, {"segment_id": "balancing-the-room.three-moves.chat"}, "segment_id"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_saves_nothing(
    client: TestClient, position: Any, overrides: dict[str, Any], field: str
) -> None:
    answer = _save(client, position, **overrides)

    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == field
    assert _resume_at(client) is None


def test_an_unknown_video_is_a_404_naming_the_segment(client: TestClient) -> None:
    answer = _save(client, 70, segment_id="no.such.video")
    assert answer.status_code == 404
    assert answer.json()["error"]["field"] == "segment_id"


def test_a_position_saved_before_signing_in_is_mine_after(client: TestClient) -> None:
    assert _save(client, 150).status_code == 204

    login = client.post("/auth/dev-login", json={"display_name": "Grace"})
    assert login.status_code == 200, login.text

    assert _resume_at(client) == 150
    client.cookies.clear()  # a new anonymous visitor does not see Grace's position
    assert _resume_at(client) is None
