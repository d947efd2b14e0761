"""Ingest: events, uploads, webhooks and connector status."""
