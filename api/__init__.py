"""Sightline api package."""
