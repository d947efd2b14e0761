# One image for every Sightline server process (dagster-webserver, dagster-daemon, api);
# docker-compose.yml picks the process with `command:`. Configuration comes only from the
# environment (warehouse/settings.py), so nothing deployment-specific is baked in here.
FROM python:3.11-slim

# The same uv as the Makefile, so `--frozen` reads uv.lock exactly as it was written.
RUN pip install --no-cache-dir uv==0.13.8

# Use the image's CPython (never download one); the venv's bin goes first on PATH so the
# compose commands (dagster-webserver, dagster-daemon, uvicorn) need no `uv run`.
ENV UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    PYTHONUNBUFFERED=1 \
    PATH="/app/.venv/bin:$PATH"

WORKDIR /app

# Locked third-party dependencies first: this slow layer survives source edits.
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

# A non-root user owns the data volume (a fresh named volume takes /data's owner) and the
# dbt project, where dbt writes target/ and logs/.
RUN useradd --create-home --uid 1000 sightline && mkdir -p /data && chown sightline /data

# README.md: hatchling reads it (pyproject `readme`) when it builds the project.
COPY README.md ./
COPY warehouse ./warehouse
COPY ingestion ./ingestion
COPY orchestration ./orchestration
COPY api ./api
COPY simulations ./simulations
COPY --chown=sightline dbt_project ./dbt_project
# The Postgres-backed Dagster instance config; the Dagster services install it into
# $DAGSTER_HOME at start (see docker-compose.yml).
COPY docker/dagster.yaml ./docker/dagster.yaml
RUN uv sync --frozen --no-dev

USER sightline
