"""Landing zone: files dropped under `$SIGHTLINE_LANDING_DIR/<connector>/<tenant>/`.

See docs/landing-zone.md for the contract (layout, schemas, quarantine, lifecycle).
"""
