"""The FastAPI application: routers per resource under ``/v1``, health and metrics at the root.

Scopes (see ``deps.py``): a router included here with ``ReadScope`` serves reads even over POST
(search by image, ask); routers included bare get the safe default (GET/HEAD ``read``, other
methods ``write``); ``keys`` and ``admin`` state ``admin`` on their own routers; health, readiness,
the web UI's static files and the API documentation pages need no key.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Collection
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from mediasift import __version__
from mediasift.api.body_limit import BodyLimitMiddleware
from mediasift.api.cached_search import CachedSearchLane
from mediasift.api.deps import ReadScope
from mediasift.api.errors import install_error_handlers
from mediasift.api.head import HeadAsGetMiddleware
from mediasift.api.middleware import RequestContextMiddleware
from mediasift.api.rate_limit import RateLimiter
from mediasift.api.schemas import ErrorOut, error_responses
from mediasift.api.text_guard import TextGuardMiddleware
from mediasift.api.upload_pool import UploadPool
from mediasift.ops.readiness import Readiness
from mediasift.runtime import Runtime


class _App(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        # Outside Starlette's ServerErrorMiddleware (the outermost layer FastAPI builds), so a
        # request that crashes still gets its X-Request-ID, its status="500" metric and its
        # access line, and its kept-alive connection survives.
        return RequestContextMiddleware(super().build_middleware_stack())

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            self.openapi_schema = _as_answered(super().openapi())
        return self.openapi_schema


_VALIDATION = "#/components/schemas/HTTPValidationError"


def _as_answered(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema FastAPI writes, with its 422s as the API answers them: the error handlers turn
    a request that does not validate into ``ErrorOut`` (``{"code", "message"}``), which clients
    generated from the schema must parse, not FastAPI's ``{"detail": [...]}``."""
    error = {"$ref": "#/components/schemas/ErrorOut"}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            answer = operation.get("responses", {}).get("422") if isinstance(operation, dict) else None
            if not isinstance(answer, dict):
                continue
            content = answer.get("content", {}).get("application/json", {})
            if content.get("schema", {}).get("$ref") == _VALIDATION:
                content["schema"] = error
                answer["description"] = "The request does not validate: `invalid_request`, saying what"
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErrorOut", ErrorOut.model_json_schema())
    if _VALIDATION not in json.dumps(schema.get("paths", {})):
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
    return schema


# Every router, in the order included: its module under ``api/routes`` and whether it is included
# with ``ReadScope``. ``uploads`` also brings its signed content URL, included before them all.
ROUTERS: tuple[tuple[str, bool], ...] = (
    *((name, False) for name in (
        "media", "uploads", "conversions", "collections", "nutrition", "foods", "quality", "subtitles",
        "jobs", "webhooks", "taxonomies", "feedback", "saved_searches", "users", "workflows", "health",
    )),
    *((name, True) for name in ("search", "facets", "products", "ask", "chats", "recommendations")),
    ("keys", False),
    ("admin", False),
    ("ui", False),  # the web UI: / and /static/
    ("docs", False),  # /docs, /redoc
)  # fmt: skip


_OPEN = frozenset({"health", "ui", "docs"})  # routers no key guards


def create_app(rt: Runtime, preload: bool = True, routers: Collection[str] | None = None) -> FastAPI:
    """The API on ``rt``; ``routers`` names the ones to include (``ROUTERS``' names), every one by
    default. The CLI's in-process API includes only those its command calls: importing every
    route module is ~0.3 s of a command's start."""
    chosen = [(name, read) for name, read in ROUTERS if routers is None or name in routers]
    unknown = set(routers or ()) - {name for name, _ in ROUTERS}
    if unknown:
        raise ValueError(f"unknown routers {sorted(unknown)}; choose from {[n for n, _ in ROUTERS]}")
    modules = {name: importlib.import_module(f"mediasift.api.routes.{name}") for name, _ in chosen}
    app = _App(
        title="mediasift",
        version=__version__,
        description="Search and ask what is inside your video, audio, images and documents.",
        docs_url=None,  # served by routes/docs.py without a CDN
        redoc_url=None,
    )
    app.state.runtime = rt
    app.state.rate_limiter = RateLimiter(rt.settings.rate_limit_per_s, rt.settings.rate_limit_burst)
    app.state.feedback_limiter = RateLimiter(rt.settings.feedback_rate_per_s, rt.settings.feedback_burst)
    app.state.upload_pool = UploadPool(rt.settings.upload_threads, rt.settings.upload_slot_wait_s)
    app.state.readiness = Readiness(rt).start(preload)
    install_error_handlers(app)
    if "uploads" in modules:  # before the routes a key guards: its URL is signed
        app.include_router(modules["uploads"].content_router)
    for name, read in chosen:
        app.include_router(
            modules[name].router,
            dependencies=[ReadScope] if read else None,
            # with API keys on, a route behind them answers 401 without a key, 403 out of its
            # scope; every one spends a token of its key's rate limit (429 with Retry-After); and
            # any may be a 400: a NUL in its path or query (text_guard.py), a malformed tenant
            responses=None if name in _OPEN else error_responses(400, 401, 403, 429),
        )
    # Added first, so innermost: inside CORS, the body limit and the error middleware.
    if "search" in modules:  # it answers GET /v1/search ahead of the router, with its route's checks
        app.add_middleware(CachedSearchLane, fastapi_app=app)
    if rt.settings.cors_origins:  # restricted CORS: only the origins listed in settings
        app.add_middleware(
            CORSMiddleware,
            allow_origins=rt.settings.cors_origins,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=[
                "Authorization",
                "X-API-Key",
                "Content-Type",
                "X-Mediasift-Tenant",
                "X-Mediasift-User",
            ],
        )
    app.add_middleware(BodyLimitMiddleware, max_bytes=rt.settings.max_body_bytes)
    app.add_middleware(TextGuardMiddleware)  # outside the cached-search lane, which answers unrouted
    app.add_middleware(HeadAsGetMiddleware)  # outermost of these: HEAD is the GET, headers only
    return app
