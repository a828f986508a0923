"""GET/POST /api/unsubscribe?token=…: the signed unsubscribe link in every email.

GET shows a confirmation page and changes nothing, because mail scanners and
link previews fetch links. POST unsubscribes: the page's button, and mail
clients' one-click unsubscribe (RFC 8058: `List-Unsubscribe=One-Click`).
"""

from __future__ import annotations

import html
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from api.deps import Db
from api.schemas.common import errors
from roundtable.notifications import apply_unsubscribe, verify_unsubscribe

router = APIRouter(prefix="/api/unsubscribe", tags=["unsubscribe"], responses=errors(422))

Token = Annotated[str, Query(min_length=1, max_length=512)]


class UnsubscribedPublic(BaseModel):
    status: str
    kind: str


_PAGE = {"content": {"text/html": {"schema": {"type": "string"}}}}


@router.get(
    "",
    response_model=None,
    responses={200: {**_PAGE, "description": "A confirmation page"}},
)
def confirm_unsubscribe(token: Token) -> HTMLResponse:
    """A page asking to confirm; the link alone changes nothing."""
    _, kind = verify_unsubscribe(token)
    action = f"/api/unsubscribe?token={quote(token)}"
    return HTMLResponse(
        _page(
            "Unsubscribe from Roundtable emails?",
            f"<p>This link came with a <em>{html.escape(_label(kind))}</em> email.</p>"
            f'<form method="post" action="{html.escape(action)}">'
            '<button type="submit">Stop Roundtable emails</button></form>',
        )
    )


@router.post(
    "",
    response_model=UnsubscribedPublic,
    responses={200: {**_PAGE, "description": "Unsubscribed (a page when HTML is accepted)"}},
)
def unsubscribe(token: Token, request: Request, conn: Db) -> UnsubscribedPublic | HTMLResponse:
    """Stop notification emails for the user the token names (one click, no sign-in)."""
    user_id, kind = verify_unsubscribe(token)
    apply_unsubscribe(conn, user_id, kind)
    if "text/html" in request.headers.get("accept", ""):
        body = "<p>You won't get Roundtable notification emails any more. You can turn them "
        body += "back on in your profile.</p>"
        return HTMLResponse(_page("You're unsubscribed", body))
    return UnsubscribedPublic(status="unsubscribed", kind=kind)


def _label(kind: str) -> str:
    return kind.replace("_", " ")


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f'</head><body style="font-family: sans-serif; max-width: 36em; margin: 3em auto">'
        f"<h1>{html.escape(title)}</h1>{body}</body></html>"
    )
