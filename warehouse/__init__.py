"""Sightline warehouse package."""
