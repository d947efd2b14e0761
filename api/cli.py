"""`sightline keys …`, `sightline webhooks …` and `sightline serve`: the API's commands."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.pipeline_runs import RunLauncher
from warehouse.settings import Settings, load_settings

keys_app = typer.Typer(help="Create, list and revoke API keys (stored hashed).",
                       no_args_is_help=True)
webhooks_app = typer.Typer(help="Webhook signing secrets per tenant and connector.",
                           no_args_is_help=True)
console = Console()
DEMO_KEY_NAME = "demo"


def _db(settings: Settings | None = None):
    from api.appdb import AppDatabase

    db = AppDatabase((settings or load_settings()).database_url)
    db.migrate()
    return db


@keys_app.command("create")
def keys_create(
    tenant: Annotated[str, typer.Option(help="Tenant the key is bound to.")],
    scope: Annotated[list[str], typer.Option(help="read, ingest or admin (repeatable).")] = (
        "read",),
    name: Annotated[str, typer.Option(help="A label for listings.")] = "",
    user: Annotated[str | None, typer.Option(
        help="The person the key acts for (dashboard owners and grants name users).")] = None,
) -> None:
    """Create a key and print it once (only its hash is stored)."""
    from api.keys import create_key

    try:
        key, info = create_key(_db(), tenant, list(scope), name, user)
    except ValueError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from None
    console.print(f"Created key [bold]{info.prefix}[/] for tenant {info.tenant_id} "
                  f"({' '.join(info.scopes)}). Store it now; it is not shown again:")
    print(key)


@keys_app.command("list")
def keys_list(tenant: Annotated[str | None, typer.Option(help="Only this tenant.")] = None
              ) -> None:
    """List keys (prefix, tenant, scopes, state), never their secrets."""
    from api.keys import list_keys

    table = Table("prefix", "tenant", "scopes", "name", "user", "created", "revoked")
    for info in list_keys(_db(), tenant):
        table.add_row(info.prefix, info.tenant_id, " ".join(info.scopes), info.name,
                      info.user or "",
                      info.created_at.isoformat(timespec="seconds"),
                      info.revoked_at.isoformat(timespec="seconds") if info.revoked_at else "")
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(prefix: Annotated[str, typer.Argument(help="The key's prefix (see list).")]
                ) -> None:
    """Revoke a key: requests with it get 401 (running APIs notice within 5 s)."""
    from api.keys import revoke_key

    try:
        info = revoke_key(_db(), prefix)
    except KeyError as exc:
        console.print(f"[bold red]error:[/] {exc.args[0]}")
        raise typer.Exit(2) from None
    console.print(f"Revoked key {info.prefix} of tenant {info.tenant_id}.")


def _webhook_secret(action: str, tenant: str, connector: str) -> None:
    from api.ingest import webhooks

    make = webhooks.create_webhook_secret if action == "create" else \
        webhooks.rotate_webhook_secret
    try:
        secret = make(_db(), tenant, connector)
    except (ValueError, KeyError) as exc:
        console.print(f"[bold red]error:[/] {exc.args[0]}")
        raise typer.Exit(2) from None
    console.print(f"Webhook secret for {tenant}/{connector} ({action}d). Sign "
                  "`<X-Sightline-Timestamp>.<body>` with HMAC-SHA256 (docs/api.md#ingest):")
    print(secret)


Tenant = Annotated[str, typer.Option(help="Tenant the secret belongs to.")]
Connector = Annotated[str, typer.Option(help="Landing connector: revenue, mentions, events.")]


@webhooks_app.command("create")
def webhooks_create(tenant: Tenant, connector: Connector) -> None:
    """Create the signing secret of a tenant's connector and print it."""
    _webhook_secret("create", tenant, connector)


@webhooks_app.command("rotate")
def webhooks_rotate(tenant: Tenant, connector: Connector) -> None:
    """Replace the signing secret (the old one stops working at once) and print it."""
    _webhook_secret("rotate", tenant, connector)


@webhooks_app.command("list")
def webhooks_list(tenant: Annotated[str | None, typer.Option(help="Only this tenant.")] = None
                  ) -> None:
    """List configured webhook secrets (tenant, connector, created), not their values."""
    from api.ingest.webhooks import list_webhook_secrets

    table = Table("tenant", "connector", "created")
    for info in list_webhook_secrets(_db(), tenant):
        table.add_row(info.tenant_id, info.connector,
                      info.created_at.isoformat(timespec="seconds"))
    console.print(table)


def demo_key(settings: Settings, tenant: str) -> str:
    """A fresh read+ingest+admin key for the demo tenant; earlier demo keys are revoked."""
    from api.keys import create_key, list_keys, revoke_key

    db = _db(settings)
    for info in list_keys(db, tenant):
        if info.name == DEMO_KEY_NAME and info.revoked_at is None:
            revoke_key(db, info.prefix)
    key, _ = create_key(db, tenant, ["read", "ingest", "admin"], DEMO_KEY_NAME)
    db.dispose()
    return key


def serve(settings: Settings | None = None, run_launcher: RunLauncher | None = None) -> None:
    """Serve the API with uvicorn until interrupted (`run_launcher` queues pipeline runs)."""
    import uvicorn

    from api.main import create_app

    settings = settings or load_settings()
    uvicorn.run(create_app(settings, run_launcher=run_launcher), host=settings.api.host,
                port=settings.api.port, log_level="warning")
