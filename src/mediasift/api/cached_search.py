"""Plain searches answered on the event loop, before FastAPI's routing: repeated ones from the
result cache, new ones computed in one thread hop.

A cached ``GET /v1/search`` did almost no search work, yet cost milliseconds of CPU: matching the
request against every router, solving a dozen dependencies, validating twenty query parameters,
two thread hops (the sync endpoint and its response validation), decoding the cached hits and
validating and serializing them again. This lane answers the plain case itself and hands every
other request, unchanged, to the application:

- ``GET /v1/search`` whose query string holds only ``q``, ``mode`` and ``limit``, each once and
  valid (``q`` 1–2000 characters and not blank, ``mode`` hybrid/keyword/vector, ``limit`` 1–200 in
  plain digits): no filters, no ``group_by``, no ``personalize``;
- no ``X-Mediasift-Tenant`` or ``X-Mediasift-User`` header, and a caller that acts for no user
  (personalized results are never cached);
- a caller this process already knows (``deps.principal_of`` with ``remembered_only``: a key seen
  within ``api_key_cache_s``, or open mode known) that has the ``read`` scope and a rate-limit token;
- a result cache in this process (a Redis round trip would block the event loop).

Hits the result cache holds are rendered on the event loop. Hits it does not hold are computed by
``services/search.py: search`` — the route's own call, so the ranking is the route's — and
rendered in one thread hop (the route took two, and its response validation a second pass over
the hits). At most ``SEARCHES_AT_ONCE`` run at a time; the others wait for one to end: on two
cores, 32 searches at once only split the CPU 32 ways and make every answer late. A search that
fails with a ``MediasiftError`` is answered by the application's handler for it, as the route's
would be.

Anything else — an error to answer, a key to look up — goes the ordinary way, which answers as
before (a token is only spent where the lane answers, so none is spent twice). What the lane
answers is what the route would: the same JSON bytes (``SearchOut``, serialized by pydantic as
FastAPI does), counted in ``/metrics`` under the route ``/v1/search``, with its request id and
access line (``RequestContextMiddleware`` wraps it). Bodies of cached hits are rendered once per
cached entry and query text, and kept in a small LRU.
"""

from __future__ import annotations

import asyncio
import inspect
from collections import OrderedDict
from typing import Any, get_args
from urllib.parse import parse_qsl
from weakref import WeakKeyDictionary

import anyio
import anyio.to_thread
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from mediasift.api.deps import admit, principal_of
from mediasift.api.schemas import SearchOut
from mediasift.cache.memory import MemoryCache
from mediasift.errors import MediasiftError
from mediasift.runtime import Runtime
from mediasift.services import search as search_service

PATH = "/v1/search"
RENDERED_BODIES = 512
SEARCHES_AT_ONCE = 8  # new searches computed at a time; the others wait (see the module docstring)
_MODES = frozenset(get_args(search_service.Mode))
_PARAMS = frozenset({"q", "mode", "limit"})
_PERSONAL_HEADERS = frozenset({b"x-mediasift-tenant", b"x-mediasift-user"})


class CachedSearchLane:
    """ASGI middleware (the innermost one ``app.py`` adds): see the module docstring."""

    def __init__(self, app: ASGIApp, fastapi_app: FastAPI) -> None:
        self.app, self.fastapi_app = app, fastapi_app
        self._route: APIRoute | None = None
        self._bodies: OrderedDict[tuple[str, bytes], bytes] = OrderedDict()
        # One limiter per event loop (a limiter belongs to its loop; uvicorn runs one, a test
        # client may run one per request).
        self._limiters: WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
            WeakKeyDictionary()
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] == PATH:
            admitted = self._admitted(scope)
            if admitted is not None:
                rt, tenant_id, q, mode, limit, stored = admitted
                if stored is not None:
                    body = self._render(q, stored)
                else:
                    try:
                        body = await anyio.to_thread.run_sync(
                            _computed, rt, tenant_id, q, mode, limit, limiter=self._limiter()
                        )
                    except MediasiftError as exc:
                        handler = self.fastapi_app.exception_handlers[MediasiftError]
                        response = handler(Request(scope, receive), exc)
                        if inspect.isawaitable(response):
                            response = await response
                        await response(scope, receive, send)
                        return
                headers = [
                    (b"content-length", str(len(body)).encode()),
                    (b"content-type", b"application/json"),
                ]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    def _admitted(
        self, scope: Scope
    ) -> tuple[Runtime, str, str, search_service.Mode, int, bytes | None] | None:
        """What the lane answers (the runtime, the tenant, ``q``, ``mode``, ``limit`` and the
        cached hits, None where the cache holds none), a rate-limit token spent for it; or None to
        let the application answer."""
        query = _plain_query(scope.get("query_string", b""))
        if query is None:
            return None
        q, mode, limit = query
        rt = self.fastapi_app.state.runtime
        if not isinstance(rt.cache, MemoryCache):
            return None
        secret = _credentials(scope.get("headers") or ())
        if secret is None:
            return None
        try:
            principal = principal_of(rt, secret or None, None, None, remembered_only=True)
        except MediasiftError:
            return None  # the application answers the error, the same way
        if principal is None or principal.user_id is not None or not principal.has("read"):
            return None
        try:
            admit(self.fastapi_app.state, scope, principal)
        except MediasiftError:
            return None  # rate-limited: the application refuses it with 429 and Retry-After
        scope["route"] = self._search_route()
        stored = search_service.remembered(rt, principal.tenant_id, q, limit, mode)
        return rt, principal.tenant_id, q, mode, limit, stored

    def _limiter(self) -> anyio.CapacityLimiter:
        loop = asyncio.get_running_loop()
        limiter = self._limiters.get(loop)
        if limiter is None:
            limiter = self._limiters[loop] = anyio.CapacityLimiter(SEARCHES_AT_ONCE)
        return limiter

    def _render(self, q: str, stored: bytes) -> bytes:
        key = (q, stored)
        body = self._bodies.get(key)
        if body is None:
            hits = search_service.decode_hits(stored)
            body = SearchOut.of(q, hits).model_dump_json(by_alias=True).encode()
            self._bodies[key] = body
            if len(self._bodies) > RENDERED_BODIES:
                self._bodies.popitem(last=False)
        else:
            self._bodies.move_to_end(key)
        return body

    def _search_route(self) -> APIRoute:
        # The route the metrics and the access log name (its template); found once, after startup.
        if self._route is None:
            self._route = next(
                r
                for r in _api_routes(self.fastapi_app.router.routes)
                if r.path == PATH and "GET" in (r.methods or ())
            )
        return self._route


def _computed(rt: Runtime, tenant_id: str, q: str, mode: search_service.Mode, limit: int) -> bytes:
    """The body the route answers for a search the result cache does not hold (it then does)."""
    hits = search_service.search(rt, tenant_id, q, limit=limit, mode=mode)
    return SearchOut.of(q, hits).model_dump_json(by_alias=True).encode()


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):  # a router included as a whole (FastAPI >= 0.16x)
            found.extend(_api_routes(route.original_router.routes))
    return found


def _plain_query(query_string: bytes) -> tuple[str, search_service.Mode, int] | None:
    try:
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return None
    params = dict(pairs)
    if len(params) != len(pairs) or not params.keys() <= _PARAMS:
        return None
    q, mode, limit = params.get("q", ""), params.get("mode", "hybrid"), params.get("limit", "10")
    if not (0 < len(q) <= search_service.MAX_QUERY_CHARS and q.strip()) or mode not in _MODES:
        return None
    if not (limit.isascii() and limit.isdigit() and 1 <= int(limit) <= search_service.MAX_LIMIT):
        return None
    return q, mode, int(limit)  # type: ignore[return-value]  # mode checked against the Literal


def _credentials(headers: Any) -> str | None:
    """The key (``""`` for none), or None where the headers are not plain enough to read here."""
    secret = ""
    for name, value in headers:
        if name in _PERSONAL_HEADERS:
            return None
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if secret or scheme.lower() != "bearer" or not token:
                return None
            secret = token
        elif name == b"x-api-key":
            if secret:
                return None
            secret = value.decode("latin-1")
    return secret
