"""Tutor assessment routes under /api/tutor/ (filled in by issue 18's work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/api/tutor", tags=["tutor"])
