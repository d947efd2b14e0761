"""Sightline simulations package."""
