"""How read routes answer: the `{data, meta}` envelope, cached or not.

`cached_answer` is the one path for cacheable reads: it looks up the current versions of
the datasets the answer depends on, keys the cache with them, computes on a miss (in a
worker thread, single-flight), and answers 304 when If-None-Match carries the ETag.
The ETag is over the data and the dataset versions (what the answer *is*); `meta.cached`
and timings describe the delivery and do not change it.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import anyio
from fastapi import Request, Response
from pydantic import BaseModel

from api.cache import CachedAnswer, cache_key, canonical_json
from api.context import ApiContext
from api.errors import ApiProblem
from api.hot_path import FINGERPRINT
from api.keys import Principal
from api.store import TenantScope

JSON_MEDIA = "application/json"


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if hasattr(value, "tolist"):  # numpy scalars and arrays
        return value.tolist()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dumps(value: Any) -> bytes:
    """Compact JSON bytes (dates ISO 8601, numpy and pydantic values converted)."""
    return json.dumps(value, default=_default, separators=(",", ":"),
                      allow_nan=False).encode()


def _meta(versions: Mapping[str, int], cached: bool, computed_at: str,
          query_ms: float) -> dict[str, Any]:
    return {"dataset_versions": dict(versions), "cached": cached,
            "computed_at": computed_at, "query_ms": round(query_ms, 2)}


def envelope(data: Any, *, versions: Mapping[str, int] | None = None, status: int = 200,
             query_ms: float = 0.0, headers: Mapping[str, str] | None = None) -> Response:
    """An uncached `{data, meta}` response."""
    meta = _meta(versions or {}, False, datetime.now(UTC).isoformat(), query_ms)
    return Response(dumps({"data": data, "meta": meta}), status_code=status,
                    media_type=JSON_MEDIA, headers=dict(headers or {}))


def _params(params: Any) -> Any:
    return params.model_dump(mode="json") if isinstance(params, BaseModel) else params


def _etag_matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


async def answer_of(context: ApiContext, tenant: str, route: str, params: Any,
                    datasets: Sequence[str], compute: Callable[[TenantScope], Any],
                    ) -> tuple[CachedAnswer, bool, dict[str, int], str]:
    """The cached answer of a question — (answer, hit, dataset versions, canonical params
    JSON) — computing `compute(scope)` on a miss. The cache key is built here, once, from
    the tenant, the route, the parameters and the versions of `datasets`."""
    versions = await context.versions.versions(tenant, datasets)
    params_json = canonical_json(_params(params))
    key = cache_key(tenant, route, params_json, versions)
    tenant_scope = context.store.scope(tenant)

    async def run() -> CachedAnswer:
        started = time.perf_counter()
        data = dumps(await anyio.to_thread.run_sync(compute, tenant_scope))
        query_ms = (time.perf_counter() - started) * 1000
        limit = context.settings.api.max_answer_bytes
        if len(data) > limit:
            raise ApiProblem(422, f"the answer would be {len(data) / 2**20:.1f} MiB, over the "
                             f"{limit / 2**20:.0f} MiB limit of one answer: narrow the "
                             "question (a shorter date range, a longer interval, fewer "
                             "series, a lower breakdown_limit, or no compare)")
        digest = hashlib.sha256(data + dumps(versions)).hexdigest()[:40]
        return CachedAnswer(data, f'"{digest}"', datetime.now(UTC).isoformat(), query_ms)

    answer, hit = await context.cache.get_or_compute(key, run)
    return answer, hit, versions, params_json


async def cached_answer(
    request: Request,
    context: ApiContext,
    principal: Principal,
    route: str,
    params: Any,
    datasets: Sequence[str],
    compute: Callable[[TenantScope], Any],
    *,
    scope: str = "read",
    replayable: bool = True,
) -> Response:
    """Answer a read from the cache, computing `compute(scope)` on a miss.

    `datasets` are the tables/marts the answer reads: their versions enter the key.
    `scope` is the API-key scope the route requires (the hot path checks it again).
    `replayable=False` keeps the route off the hot path: pass it when `params` (or the
    right to ask) depend on anything besides the request and the tenant, such as a row
    of the app database.
    """
    answer, hit, versions, params_json = await answer_of(
        context, principal.tenant_id, route, params, datasets, compute)
    fingerprint = request.scope.get(FINGERPRINT)
    if replayable and fingerprint is not None:  # the next identical request skips routing
        context.replays.learn(fingerprint, route, params_json, datasets, scope,
                              request.scope.get("route"))
    return answer_response(answer, versions, hit=hit,
                           if_none_match=request.headers.get("if-none-match"),
                           max_age=context.settings.api.cache_ttl_seconds)


def answer_response(answer: CachedAnswer, versions: Mapping[str, int], *, hit: bool,
                    if_none_match: str | bytes | None, max_age: int) -> Response:
    """The response for a cached or fresh answer: 200 `{data, meta}`, or 304 when
    `if_none_match` carries its ETag."""
    headers = {
        "ETag": answer.etag,
        "Cache-Control": f"private, max-age={max_age}",
        "Cache-Status": "sightline; hit" if hit else "sightline; fwd=miss; stored",
    }
    if isinstance(if_none_match, bytes):
        if_none_match = if_none_match.decode("latin-1")
    if _etag_matches(if_none_match, answer.etag):
        return Response(status_code=304, headers=headers)
    meta = dumps(_meta(versions, hit, answer.computed_at, answer.query_ms))
    body = b'{"data":' + answer.data + b',"meta":' + meta + b"}"
    return Response(body, media_type=JSON_MEDIA, headers=headers)
