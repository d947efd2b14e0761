"""Sightline orchestration package."""
