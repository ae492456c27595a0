"""Repeated searches answered from the result cache on the event loop, before FastAPI's routing.

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
- hits the result cache holds, and the cache is in this process (a Redis round trip would block
  the event loop).

Anything else — an error to answer, a cache miss, a key to look up — goes the ordinary way, which
answers as before (a token is only spent where the lane answers, so none is spent twice). What
the lane answers is what the route would: the same JSON bytes (``SearchOut``, serialized by
pydantic as FastAPI does), counted in ``/metrics`` under the route ``/v1/search``, with its request
id and access line (``RequestContextMiddleware`` wraps it). Bodies are rendered once per cached
entry and query text, and kept in a small LRU.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, get_args
from urllib.parse import parse_qsl

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from mediasift.api.deps import admit, principal_of
from mediasift.api.schemas import SearchOut
from mediasift.cache.memory import MemoryCache
from mediasift.errors import MediasiftError
from mediasift.services import search as search_service

PATH = "/v1/search"
RENDERED_BODIES = 512
_MODES = frozenset(get_args(search_service.Mode))
_PARAMS = frozenset({"q", "mode", "limit"})
_PERSONAL_HEADERS = frozenset({b"x-mediasift-tenant", b"x-mediasift-user"})


class CachedSearchLane:
    """ASGI middleware (the innermost one ``app.py`` adds): see the module docstring."""

    def __init__(self, app: ASGIApp, fastapi_app: FastAPI) -> None:
        self.app, self.fastapi_app = app, fastapi_app
        self._route: APIRoute | None = None
        self._bodies: OrderedDict[tuple[str, bytes], bytes] = OrderedDict()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and scope["path"] == PATH:
            body = self._answer(scope)
            if body is not None:
                headers = [
                    (b"content-length", str(len(body)).encode()),
                    (b"content-type", b"application/json"),
                ]
                await send({"type": "http.response.start", "status": 200, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    def _answer(self, scope: Scope) -> bytes | None:
        """The response body, or None to let the application answer."""
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
        stored = search_service.remembered(rt, principal.tenant_id, q, limit, mode)
        if stored is None:
            return None
        try:
            admit(self.fastapi_app.state, scope, principal)
        except MediasiftError:
            return None  # rate-limited: the application refuses it with 429 and Retry-After
        scope["route"] = self._search_route()
        return self._render(q, stored)

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
