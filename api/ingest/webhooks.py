"""Signed webhooks into the landing zone, and the per-(tenant, connector) signing secrets.

A sender signs `<delivery id>.<timestamp>.<raw body>` with HMAC-SHA256 and the secret of
its tenant and connector, and sends:

    X-Sightline-Timestamp: <unix seconds>
    X-Sightline-Signature: sha256=<hex digest>
    X-Sightline-Delivery:  <delivery id, unique per delivery; retries reuse it>

The timestamp must be within TOLERANCE_SECONDS of the server clock; the signature is
compared in constant time; a delivery id seen before for the same tenant and connector
is answered as a duplicate and writes nothing (the `webhook_deliveries` unique
constraint decides races). The body (one JSON record or a list) lands as one JSONL file;
intake validates each record and quarantines the bad ones.

Secrets are stored as given (HMAC needs the secret itself, not a hash) in the app
database; rotation replaces a secret at once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api.appdb import AppDatabase, WebhookDelivery, WebhookSecret, utcnow
from api.ingest.service import content_hash, jsonl, stamp
from ingestion.landing.contracts import CONTRACTS, now_utc
from ingestion.landing.intake import TENANT_PATTERN
from ingestion.landing.records import shape_reason
from ingestion.landing.writer import relative_name, write_landing_file

TOLERANCE_SECONDS = 300
TIMESTAMP_HEADER = "X-Sightline-Timestamp"
SIGNATURE_HEADER = "X-Sightline-Signature"
DELIVERY_HEADER = "X-Sightline-Delivery"
SIGNATURE_PREFIX = "sha256="
SECRET_PREFIX = "whsec_"
_DELIVERY_ID = re.compile(r"[\x21-\x7e]{1,200}")  # printable ASCII, no spaces


class WebhookError(Exception):
    """A webhook the API refuses: `status` is the HTTP status to answer with."""

    def __init__(self, status: int, detail: str, field: str = "body") -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.field = field  # what a 422 names


@dataclass(frozen=True)
class SecretInfo:
    """A secret as listed (never the secret itself)."""

    tenant_id: str
    connector: str
    created_at: datetime


@dataclass(frozen=True)
class WebhookResult:
    """What a delivery did: landed a file, or was a replay of an earlier delivery."""

    delivery_id: str
    duplicate: bool
    file: str
    records: int | None  # None for a duplicate (nothing was read)


def _check_target(tenant_id: str, connector: str) -> None:
    if not TENANT_PATTERN.fullmatch(tenant_id):
        raise ValueError(f"tenant {tenant_id!r} is not a valid id")
    if connector not in CONTRACTS:
        raise ValueError(f"unknown connector {connector!r}; webhooks land into one of "
                         f"{', '.join(CONTRACTS)}")


def _new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def create_webhook_secret(db: AppDatabase, tenant_id: str, connector: str) -> str:
    """Create the signing secret of (tenant, connector); return it (shown once).

    Raises ValueError for an unknown connector, a bad tenant id, or when a secret exists
    already (rotate it instead).
    """
    _check_target(tenant_id, connector)
    secret = _new_secret()
    try:
        with db.session() as session:
            session.add(WebhookSecret(tenant_id=tenant_id, connector=connector, secret=secret))
    except IntegrityError:
        raise ValueError(f"tenant {tenant_id} already has a webhook secret for {connector}; "
                         "rotate it to get a new one") from None
    return secret


def list_webhook_secrets(db: AppDatabase, tenant_id: str | None = None) -> list[SecretInfo]:
    """The configured secrets (of one tenant when given), without their values."""
    query = select(WebhookSecret).order_by(WebhookSecret.tenant_id, WebhookSecret.connector)
    if tenant_id:
        query = query.where(WebhookSecret.tenant_id == tenant_id)
    with db.session() as session:
        return [SecretInfo(r.tenant_id, r.connector, r.created_at) for r in session.scalars(query)]


def rotate_webhook_secret(db: AppDatabase, tenant_id: str, connector: str) -> str:
    """Replace the secret of (tenant, connector); return the new one. The old one stops
    verifying at once. Raises KeyError when there is no secret to rotate."""
    _check_target(tenant_id, connector)
    with db.session() as session:
        row = session.scalars(select(WebhookSecret).where(
            WebhookSecret.tenant_id == tenant_id,
            WebhookSecret.connector == connector)).one_or_none()
        if row is None:
            raise KeyError(f"tenant {tenant_id} has no webhook secret for {connector}; "
                           "create one first")
        row.secret = _new_secret()
        row.created_at = utcnow()
        return row.secret


def secret_for(db: AppDatabase, tenant_id: str, connector: str) -> str | None:
    """The current secret of (tenant, connector), or None."""
    with db.session() as session:
        return session.scalars(select(WebhookSecret.secret).where(
            WebhookSecret.tenant_id == tenant_id,
            WebhookSecret.connector == connector)).one_or_none()


def sign(secret: str, delivery: str, timestamp: int | str, body: bytes) -> str:
    """The signature header value for delivery `delivery` of `body` sent at `timestamp`:
    `sha256=<hex>` of HMAC-SHA256(secret, f"{delivery}.{timestamp}." + body).

    The delivery id is signed (as Standard Webhooks signs `msg_id.timestamp.payload`):
    a captured body re-sent under a new delivery id no longer verifies.
    """
    message = f"{delivery}.{timestamp}.".encode() + body
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _header(headers: Mapping[str, str], name: str) -> str:
    value = (headers.get(name) or headers.get(name.lower()) or "").strip()
    if not value:
        raise WebhookError(400, f"missing header {name}; a webhook sends {TIMESTAMP_HEADER} "
                           f"(unix seconds), {SIGNATURE_HEADER} (sha256=<hex HMAC of "
                           f"'<delivery id>.<timestamp>.<body>'>) and {DELIVERY_HEADER} (a "
                           "unique id)")
    return value


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: datetime) -> str:
    """Check the headers and signature of a delivery; return its delivery id.

    Raises WebhookError: 400 for a missing or malformed header, 401 for a timestamp
    more than TOLERANCE_SECONDS from `now` or a signature that does not match.
    """
    timestamp = _header(headers, TIMESTAMP_HEADER)
    signature = _header(headers, SIGNATURE_HEADER)
    delivery = _header(headers, DELIVERY_HEADER)
    if not re.fullmatch(r"\d{1,12}", timestamp):
        raise WebhookError(400, f"{TIMESTAMP_HEADER} must be unix seconds, got {timestamp!r}")
    if not _DELIVERY_ID.fullmatch(delivery):
        raise WebhookError(400, f"{DELIVERY_HEADER} must be 1-200 printable ASCII characters "
                           "without spaces")
    skew = abs(now.timestamp() - int(timestamp))
    if skew > TOLERANCE_SECONDS:
        raise WebhookError(401, f"{TIMESTAMP_HEADER} is {skew:.0f}s away from the server "
                           f"clock; the tolerance is {TOLERANCE_SECONDS}s (sign when sending)")
    expected = sign(secret, delivery, timestamp, body)
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise WebhookError(401, f"{SIGNATURE_HEADER} does not match: expected "
                           f"sha256=<hex HMAC-SHA256 of '<{DELIVERY_HEADER}>.<"
                           f"{TIMESTAMP_HEADER}>.<raw body>'> with the secret of this tenant "
                           "and connector")
    return delivery


def _records(body: bytes) -> list:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookError(422, f"the body is not JSON: {exc}") from None
    records = payload if isinstance(payload, list) else [payload]
    if not records:
        raise WebhookError(422, "the body is an empty list: send one record or a list of them")
    for index, record in enumerate(records):
        reason = shape_reason(record)
        if reason:
            field = "body" if records is not payload else f"body[{index}]"
            raise WebhookError(422, f"{field}: {reason}; nothing was landed", field)
    return records


def _earlier(db: AppDatabase, tenant_id: str, connector: str, delivery: str) -> str | None:
    with db.session() as session:
        return session.scalars(select(WebhookDelivery.landed_file).where(
            WebhookDelivery.tenant_id == tenant_id, WebhookDelivery.connector == connector,
            WebhookDelivery.delivery_id == delivery)).one_or_none()


def receive_webhook(db: AppDatabase, landing_dir: Path, tenant_id: str, connector: str,
                    headers: Mapping[str, str], body: bytes,
                    now: datetime | None = None) -> WebhookResult:
    """Verify a delivery and land its records as
    `<connector>/<tenant>/webhook-<UTC stamp>-<content hash>.jsonl`.

    Raises WebhookError: 404 unknown connector, 403 no secret configured, 400/401 bad
    headers or signature (see `verify`), 422 a body that is not JSON or holds a record
    no contract can read (not an object, a non-integer schema_version).
    """
    if connector not in CONTRACTS:
        raise WebhookError(404, f"no landing connector {connector!r}; webhooks accept "
                           f"{', '.join(CONTRACTS)}")
    secret = secret_for(db, tenant_id, connector)
    if secret is None:
        raise WebhookError(403, f"no webhook secret is configured for connector {connector} "
                           f"of tenant {tenant_id}; create one with `sightline webhooks "
                           f"create --tenant {tenant_id} --connector {connector}`")
    now = now or now_utc()
    delivery = verify(secret, headers, body, now)
    earlier = _earlier(db, tenant_id, connector, delivery)
    if earlier is not None:
        return WebhookResult(delivery, True, earlier, None)
    records = _records(body)
    data = jsonl(records)
    name = f"webhook-{stamp(now)}-{content_hash(data)}.jsonl"
    try:
        # The delivery row and the file commit together: the insert claims the id (a
        # concurrent replay waits on it, then fails the unique constraint), and a failed
        # write rolls the claim back so the sender's retry is not taken for a replay.
        with db.session() as session:
            claim = WebhookDelivery(tenant_id=tenant_id, connector=connector,
                                    delivery_id=delivery)
            session.add(claim)
            session.flush()
            path = write_landing_file(landing_dir, connector, tenant_id, name, data)
            claim.landed_file = relative_name(landing_dir, path)
    except IntegrityError:
        return WebhookResult(delivery, True,
                             _earlier(db, tenant_id, connector, delivery) or "", None)
    return WebhookResult(delivery, False, claim.landed_file, len(records))
