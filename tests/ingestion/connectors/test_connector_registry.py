"""The connector registry: names, skip reasons, lookup."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from ingestion.connectors import ga4, registry
from warehouse.settings import ConnectorSettings


def test_lists_every_connector_with_its_source_and_table() -> None:
    assert [(c.name, c.source, c.target_table) for c in registry.CONNECTORS] == [
        ("x", "x_api", "raw_social_mentions"),
        ("reddit", "reddit_api", "raw_social_mentions"),
        ("linkedin", "linkedin_api", "raw_social_mentions"),
        ("ga4", "ga4_api", "raw_connector_records"),
    ]


def test_unconfigured_connectors_are_skipped_with_logged_reasons(caplog) -> None:
    settings = dataclasses.replace(
        ConnectorSettings(), ga4_access_token="ya29.token", ga4_property_id="312345678"
    )
    with caplog.at_level(logging.INFO, logger="ingestion.connectors.registry"):
        ready = registry.configured(settings)
    assert [c.name for c in ready] == ["ga4"]
    assert ready[0].fetch is ga4.fetch
    assert registry.skip_reasons(settings) == {
        "x": "SIGHTLINE_X_BEARER_TOKEN is not set",
        "reddit": "SIGHTLINE_REDDIT_CLIENT_ID and SIGHTLINE_REDDIT_CLIENT_SECRET are not set",
        "linkedin": (
            "SIGHTLINE_LINKEDIN_ACCESS_TOKEN and SIGHTLINE_LINKEDIN_ORGANIZATION_URN are not set"
        ),
    }
    messages = [r.getMessage() for r in caplog.records]
    assert "connector x skipped: SIGHTLINE_X_BEARER_TOKEN is not set" in messages
    assert len(messages) == 3


def test_get_connector() -> None:
    assert registry.get_connector("reddit").source == "reddit_api"
    with pytest.raises(KeyError, match="known connectors: x, reddit, linkedin, ga4"):
        registry.get_connector("facebook")
