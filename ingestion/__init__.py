"""Sightline ingestion package."""
