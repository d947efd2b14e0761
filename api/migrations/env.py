"""Alembic environment of the app database: the models of `api.appdb` are the target; the
URL is Sightline's setting unless a connection is handed over in
`config.attributes["connection"]` (`AppDatabase.migrate`)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from api.appdb import Base
from warehouse.settings import load_settings

target_metadata = Base.metadata


def run_migrations() -> None:
    """Upgrade (or autogenerate) over the given connection, else over a new engine."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(load_settings().database_url)
    with engine.begin() as new_connection:
        _run(new_connection)
    engine.dispose()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
