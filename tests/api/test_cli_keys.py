"""`sightline keys` and `sightline webhooks`: keys work once created and stop once revoked."""

from __future__ import annotations

from typer.testing import CliRunner

from api.appdb import AppDatabase
from api.keys import KeyAuthenticator
from orchestration.cli import app
from warehouse.settings import load_settings

runner = CliRunner()


def test_create_list_revoke_round_trip() -> None:
    created = runner.invoke(app, ["keys", "create", "--tenant", "t_cli", "--scope", "read",
                                  "--scope", "ingest", "--name", "ci"])
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    assert key.startswith("sl_")
    auth = KeyAuthenticator(AppDatabase(load_settings().database_url), ttl=0)
    principal = auth.authenticate(key)
    assert principal is not None and principal.tenant_id == "t_cli"
    assert principal.scopes == {"read", "ingest"}
    listed = runner.invoke(app, ["keys", "list", "--tenant", "t_cli"])
    assert principal.prefix in listed.output and key not in listed.output
    revoked = runner.invoke(app, ["keys", "revoke", principal.prefix])
    assert revoked.exit_code == 0
    assert auth.authenticate(key) is None


def test_bad_input_is_a_clear_error() -> None:
    bad_tenant = runner.invoke(app, ["keys", "create", "--tenant", "Bad Tenant"])
    assert bad_tenant.exit_code == 2 and "not a valid id" in bad_tenant.output
    bad_scope = runner.invoke(app, ["keys", "create", "--tenant", "t_cli", "--scope", "root"])
    assert bad_scope.exit_code == 2 and "scopes must be some of read, ingest, admin" in \
        bad_scope.output
    missing = runner.invoke(app, ["keys", "revoke", "nope"])
    assert missing.exit_code == 2 and "no API key with prefix 'nope'" in missing.output


def test_webhook_secret_create_rotate_list() -> None:
    created = runner.invoke(app, ["webhooks", "create", "--tenant", "t_cli", "--connector",
                                  "revenue"])
    assert created.exit_code == 0, created.output
    first = created.output.strip().splitlines()[-1]
    again = runner.invoke(app, ["webhooks", "create", "--tenant", "t_cli", "--connector",
                                "revenue"])
    assert again.exit_code == 2 and "rotate" in again.output
    rotated = runner.invoke(app, ["webhooks", "rotate", "--tenant", "t_cli", "--connector",
                                  "revenue"])
    assert rotated.exit_code == 0
    assert rotated.output.strip().splitlines()[-1] != first
    listed = runner.invoke(app, ["webhooks", "list", "--tenant", "t_cli"])
    assert "revenue" in listed.output and first not in listed.output
