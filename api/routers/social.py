"""Routes of the social domain."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(prefix="/social", tags=["social"])
