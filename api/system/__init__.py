"""System routes: health, metrics, the caller's identity."""
