"""API keys: create, list, revoke, authenticate.

A key reads `sl_<prefix>_<secret>`: the prefix (8 hex) names it in listings and logs, the
secret is 32 random bytes. Only sha256(key) is stored; keys carry 256 bits of entropy, so
a fast hash is enough (no password stretching needed) and keeps auth cheap per request.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from api.appdb import ApiKey, AppDatabase, utcnow
from ingestion.landing.intake import TENANT_PATTERN

# What `create_key` issues: `sl_` + 8 hex + `_` + 43 URL-safe base64 characters.
KEY_SHAPE = re.compile(r"sl_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")

SCOPES = ("read", "ingest", "admin")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id and prefix, its tenant and scopes, and the user it
    acts for (None: the key acts as itself)."""

    key_id: int
    prefix: str
    tenant_id: str
    scopes: frozenset[str]
    user: str | None = None

    @property
    def actor(self) -> str:
        """The name dashboards record as owner or grantee: the key's user, else
        `key:<prefix>`."""
        return self.user or f"key:{self.prefix}"

    def allows(self, scope: str) -> bool:
        """True when the key holds `scope` (admin implies every scope)."""
        return scope in self.scopes or "admin" in self.scopes


@dataclass(frozen=True)
class KeyInfo:
    """A key as listed (never its secret)."""

    id: int
    prefix: str
    tenant_id: str
    scopes: tuple[str, ...]
    name: str
    created_at: datetime
    revoked_at: datetime | None
    user: str | None = None


def hash_key(key: str) -> str:
    """sha256 hex of a presented key."""
    return hashlib.sha256(key.encode()).hexdigest()


def _check(tenant_id: str, scopes: list[str]) -> None:
    # One tenant-id rule for keys and the landing zone's tenant folders.
    if not TENANT_PATTERN.fullmatch(tenant_id):
        raise ValueError(f"tenant {tenant_id!r} is not a valid id (lowercase letters, digits, "
                         "'-' or '_', starting with a letter)")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown or not scopes:
        raise ValueError(f"scopes must be some of {', '.join(SCOPES)}; got {scopes}")


def create_key(db: AppDatabase, tenant_id: str, scopes: list[str],
               name: str = "", user: str | None = None) -> tuple[str, KeyInfo]:
    """Create a key; return the plaintext (shown once) and its listing.

    Raises ValueError for a bad tenant id or unknown scopes.
    """
    _check(tenant_id, scopes)
    prefix = secrets.token_hex(4)
    key = f"sl_{prefix}_{secrets.token_urlsafe(32)}"
    row = ApiKey(prefix=prefix, key_hash=hash_key(key), tenant_id=tenant_id,
                 scopes=" ".join(s for s in SCOPES if s in scopes), name=name, user=user)
    with db.session() as session:
        session.add(row)
        session.flush()
        info = _info(row)
    return key, info


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(row.id, row.prefix, row.tenant_id, tuple(row.scopes.split()), row.name,
                   row.created_at, row.revoked_at, row.user)


def list_keys(db: AppDatabase, tenant_id: str | None = None) -> list[KeyInfo]:
    """Every key (of one tenant when given), oldest first."""
    query = select(ApiKey).order_by(ApiKey.id)
    if tenant_id:
        query = query.where(ApiKey.tenant_id == tenant_id)
    with db.session() as session:
        return [_info(row) for row in session.scalars(query)]


def revoke_key(db: AppDatabase, prefix: str) -> KeyInfo:
    """Revoke the key with `prefix`; raise KeyError when there is none."""
    with db.session() as session:
        row = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).one_or_none()
        if row is None:
            raise KeyError(f"no API key with prefix {prefix!r}; `sightline keys list` shows them")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
        return _info(row)


class KeyAuthenticator:
    """Resolves bearer keys to principals, remembering answers for `ttl` seconds.

    The memo keeps per-request auth to a dict lookup; a revocation reaches this process
    within `ttl` seconds (and at once when revoked through `revoke`).
    """

    def __init__(self, db: AppDatabase, ttl: float = 5.0) -> None:
        self.db = db
        self.ttl = ttl
        self._memo: dict[str, tuple[float, Principal | None]] = {}
        self._guard = threading.Lock()

    def remembered(self, key: str) -> Principal | None:
        """The memoized principal of an active key (None: unknown to the memo, or not a
        valid key); never touches the database, so the event loop may call it."""
        hit = self._memo.get(hash_key(key))
        if hit is not None and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        return None

    def authenticate(self, key: str) -> Principal | None:
        """The principal of an active key, or None for unknown or revoked keys. A key
        that does not have the shape of a Sightline key is refused without a lookup."""
        if not KEY_SHAPE.fullmatch(key):
            return None
        digest = hash_key(key)
        now = time.monotonic()
        hit = self._memo.get(digest)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        with self.db.session() as session:
            row = session.scalars(select(ApiKey).where(ApiKey.key_hash == digest)).one_or_none()
            principal = None
            if row is not None and row.revoked_at is None:
                principal = Principal(row.id, row.prefix, row.tenant_id,
                                      frozenset(row.scopes.split()), row.user)
        with self._guard:
            if len(self._memo) > 10_000:
                self._memo.clear()
            self._memo[digest] = (now, principal)
        return principal

    def revoke(self, prefix: str) -> KeyInfo:
        """Revoke a key and forget every memoized answer at once."""
        info = revoke_key(self.db, prefix)
        with self._guard:
            self._memo.clear()
        return info
