"""Insight detectors: small pure functions over numbers the query runners returned."""
