"""GET /api/health: version, database reachable, migration head."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from roundtable.db.engine import get_engine
from roundtable.health import check_health

router = APIRouter(tags=["health"])


@router.get("/api/health")
def health() -> JSONResponse:
    """Is the API up, can it reach the database, is the schema migrated."""
    body: dict[str, Any] = check_health(get_engine())
    return JSONResponse(body, status_code=200 if body["database"]["ok"] else 503)
