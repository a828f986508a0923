"""Discord's signed HTTP interactions endpoint (POST /discord/interactions).

Verify, parse, hand to roundtable.discord, shape the HTTP answer. The module
imports only the standard library, PyNaCl and settings: commands load their
handlers (and the database) when they run, so PING stays fast on a cold start.
"""

from __future__ import annotations

import json
import time
from typing import Any

from roundtable_edge.discord.interactions import InteractionError, parse_interaction, respond
from roundtable_edge.discord.verify import RequestRejectedError, raw_body, verify_request
from roundtable_edge.observability import discord_interaction_ids, observed

from roundtable.config import get_settings

NEEDED_SECRETS = ("DISCORD_PUBLIC_KEY",)


def _answer(status: int, body: Any) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(body),
    }


@observed(service="discord_interactions", correlation=discord_interaction_ids)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    settings = get_settings()
    settings.check_deployable(NEEDED_SECRETS)
    try:
        body = raw_body(event.get("body"), is_base64=bool(event.get("isBase64Encoded")))
        public_key = settings.require_secret("DISCORD_PUBLIC_KEY")
        verify_request(public_key, event.get("headers") or {}, body, now=time.time())
        return _answer(200, respond(parse_interaction(body)))
    except (RequestRejectedError, InteractionError) as exc:
        return _answer(exc.status, {"error": exc.message})
