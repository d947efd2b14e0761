"""Routes of the wargaming domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/wargaming", tags=["wargaming"])
