"""Orchestration tests use the session's Dagster `instance` from tests/conftest.py."""
