"""The app database's schema is kept by Alembic, on SQLite and on Postgres (127.0.0.1:5432):
the migrations build exactly the models' schema, a database made before migrations is
adopted with its rows, and the dashboards store works the same on both."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from api.appdb import MIGRATIONS, AppDatabase, Base
from api.dashboards import store
from api.dashboards.spec import DashboardSpec
from api.keys import KeyAuthenticator, create_key

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/{}"
WIDGET = {"id": "w", "title": "t", "kind": "line", "source": "trends",
          "params": {"series": [{"event": "signup"}]}}


def _head() -> str:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def _config(connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh Postgres database, dropped afterwards."""
    name = f"sightline_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres",
                         autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES.format(name)
    finally:
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres",
                             autocommit=True) as admin:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgres"])
def database(request, tmp_path) -> Iterator[AppDatabase]:
    """A migrated app database of each kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'app.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    db = AppDatabase(url)
    db.migrate()
    yield db
    db.dispose()


def test_the_migrations_build_the_models_schema(database) -> None:
    with database.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_a_database_made_before_migrations_is_adopted_with_its_rows(tmp_path) -> None:
    path = tmp_path / "old.db"
    db = AppDatabase(f"sqlite:///{path}")
    with db.engine.begin() as connection:  # the tables as create_all made them, unversioned
        command.upgrade(_config(connection), "0001")
        connection.exec_driver_sql("DROP TABLE alembic_version")
    with sqlite3.connect(path) as raw:
        raw.execute("INSERT INTO api_keys (prefix, key_hash, tenant_id, scopes, name, "
                    "created_at) VALUES ('0123abcd', 'h', 'acme', 'read', 'old', "
                    "'2026-01-01 00:00:00')")
    db.migrate()
    with sqlite3.connect(path) as raw:
        assert raw.execute("SELECT version_num FROM alembic_version").fetchall() == [(_head(),)]
        assert raw.execute("SELECT prefix, user FROM api_keys").fetchall() == [
            ("0123abcd", None)]
    key, _ = create_key(db, "acme", ["read"], user="alice")
    assert KeyAuthenticator(db).authenticate(key).actor == "alice"


def test_downgrade_and_upgrade_again_on_postgres(postgres_url) -> None:
    db = AppDatabase(postgres_url)
    db.migrate()
    with db.engine.begin() as connection:
        command.downgrade(_config(connection), "base")
    db.migrate()
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql(
            "SELECT version_num FROM alembic_version").scalar() == _head()
    db.dispose()


def test_the_dashboards_store_on_each_database(database) -> None:
    alice = store.Caller("acme", "alice")
    bob = store.Caller("acme", "bob")
    spec = DashboardSpec(name="first", widgets=[WIDGET])
    made = store.create(database, alice, spec, "tenant")
    store.update(database, alice, made.id, spec.model_copy(update={"name": "second"}),
                 grants={"bob": "editor"})
    assert [v["version"] for v in store.versions(database, bob, made.id)] == [2, 1]
    restored = store.restore(database, bob, made.id, 1)
    assert (restored.version, restored.spec.name, restored.role) == (3, "first", "editor")
    fork = store.fork(database, bob, made.id, None, follow=True)
    assert (fork.owner, fork.parent_id, fork.spec.name) == ("bob", made.id, "first (fork)")
    assert [v.id for v in store.list_visible(database, store.Caller("acme", "carol"))] == [
        made.id]  # the fork is bob's and private
    with pytest.raises(Exception, match="no dashboard"):
        store.get(database, store.Caller("globex", "alice"), made.id)
