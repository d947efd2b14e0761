"""Wargaming: templates, simulations and their history."""
