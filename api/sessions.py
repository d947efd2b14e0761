"""Web sign-ins: an API key, presented once on the sign-in page, opens a session; the
browser then holds only a signed cookie naming the session, never the key.

The cookie value is a random 256-bit token signed with the app's web secret (itsdangerous),
so a forged or altered cookie is refused before any lookup. The app database keeps the
token's sha256, the key it acts as, a CSRF token and when it expires or was ended. A
session acts as its key until it expires, is ended (sign-out) or the key is revoked.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from itsdangerous import BadSignature, Signer
from sqlalchemy import select

from api.appdb import ApiKey, AppDatabase, WebSession, as_utc, utcnow
from api.keys import Principal

COOKIE = "sightline_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class WebIdentity:
    """A live session: who it acts as and the CSRF token its forms must carry."""

    principal: Principal
    csrf_token: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def web_secret(configured: str | None, home: Path) -> str:
    """The secret that signs session cookies: SIGHTLINE_WEB_SECRET, else one generated
    once into `<home>/web-secret` (readable by the owner only). Every API process that
    shares a home shares the secret; processes on several hosts need the setting."""
    if configured:
        return configured
    path = home / "web-secret"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        home.mkdir(parents=True, exist_ok=True)
        try:
            with path.open("x") as file:  # the first process writes it; the others read
                file.write(secrets.token_urlsafe(48))
            path.chmod(0o600)
        except FileExistsError:
            pass
        return path.read_text().strip()


class WebSessions:
    """Opens, resolves and ends web sessions, remembering lookups for `ttl` seconds (an
    end in this process is seen at once; a revocation or an end elsewhere within `ttl`)."""

    def __init__(self, db: AppDatabase, secret: str, hours: int, ttl: float = 5.0) -> None:
        self.db = db
        self.hours = hours
        self.ttl = ttl
        self._signer = Signer(secret, salt="sightline.web-session")
        self._memo: dict[str, tuple[float, WebIdentity | None]] = {}
        self._guard = threading.Lock()

    def open(self, principal: Principal) -> tuple[str, WebIdentity]:
        """Start a session acting as `principal`'s key: (cookie value, identity)."""
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        with self.db.session() as session:
            session.add(WebSession(token_hash=_hash(token), key_id=principal.key_id,
                                   csrf_token=csrf,
                                   expires_at=utcnow() + timedelta(hours=self.hours)))
        return self._signer.sign(token).decode(), WebIdentity(principal, csrf)

    def _token(self, cookie: str) -> str | None:
        try:
            return self._signer.unsign(cookie).decode()
        except (BadSignature, UnicodeError):
            return None

    def resolve(self, cookie: str) -> WebIdentity | None:
        """The identity of a live session, or None for a forged, unknown, expired or
        ended one, or one whose key was revoked."""
        token = self._token(cookie)
        if token is None:
            return None
        digest = _hash(token)
        now = time.monotonic()
        hit = self._memo.get(digest)
        if hit is not None and now - hit[0] < self.ttl:
            return hit[1]
        identity = self._lookup(digest)
        with self._guard:
            if len(self._memo) > 10_000:
                self._memo.clear()
            self._memo[digest] = (now, identity)
        return identity

    def _lookup(self, digest: str) -> WebIdentity | None:
        with self.db.session() as session:
            row = session.execute(
                select(WebSession, ApiKey).join(ApiKey, ApiKey.id == WebSession.key_id)
                .where(WebSession.token_hash == digest)).one_or_none()
            if row is None:
                return None
            web, key = row
            if (web.ended_at is not None or as_utc(web.expires_at) <= utcnow()
                    or key.revoked_at is not None):
                return None
            principal = Principal(key.id, key.prefix, key.tenant_id,
                                  frozenset(key.scopes.split()), key.user)
            return WebIdentity(principal, web.csrf_token)

    def end(self, cookie: str) -> None:
        """End the session the cookie names (sign-out); unknown cookies are ignored."""
        token = self._token(cookie)
        if token is None:
            return
        digest = _hash(token)
        with self.db.session() as session:
            row = session.scalars(select(WebSession)
                                  .where(WebSession.token_hash == digest)).one_or_none()
            if row is not None and row.ended_at is None:
                row.ended_at = utcnow()
        with self._guard:
            self._memo.pop(digest, None)


    def forget(self) -> None:
        """Drop every remembered lookup (the next request of each session looks again)."""
        with self._guard:
            self._memo.clear()


def csrf_matches(identity: WebIdentity, presented: str | None) -> bool:
    """True when `presented` is the session's CSRF token (compared in constant time)."""
    return bool(presented) and secrets.compare_digest(identity.csrf_token, presented or "")
