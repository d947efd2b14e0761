"""Routes of the modules domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/modules", tags=["modules"])
