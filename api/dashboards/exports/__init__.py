"""Dashboard exports: PDF, XLSX, PPTX and CSV, each a deterministic function of the
dashboard's data and provenance (no FastAPI here)."""
