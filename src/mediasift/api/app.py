"""The FastAPI application: routers per resource under ``/v1``, health and metrics at the root.

Scopes (see ``deps.py``): a router included here with ``ReadScope`` serves reads even over POST
(search by image, ask); routers included bare get the safe default (GET/HEAD ``read``, other
methods ``write``); ``keys`` and ``admin`` state ``admin`` on their own routers; health, readiness,
the web UI's static files and the API documentation pages need no key.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp

from mediasift import __version__
from mediasift.api.body_limit import BodyLimitMiddleware
from mediasift.api.cached_search import CachedSearchLane
from mediasift.api.deps import ReadScope
from mediasift.api.errors import install_error_handlers
from mediasift.api.middleware import RequestContextMiddleware
from mediasift.api.rate_limit import RateLimiter
from mediasift.api.routes import (
    admin,
    ask,
    chats,
    collections,
    conversions,
    docs,
    facets,
    feedback,
    foods,
    health,
    jobs,
    keys,
    media,
    nutrition,
    products,
    quality,
    recommendations,
    saved_searches,
    search,
    taxonomies,
    ui,
    uploads,
    users,
    webhooks,
    workflows,
)
from mediasift.api.upload_pool import UploadPool
from mediasift.ops.readiness import Readiness
from mediasift.runtime import Runtime


class _App(FastAPI):
    def build_middleware_stack(self) -> ASGIApp:
        # Outside Starlette's ServerErrorMiddleware (the outermost layer FastAPI builds), so a
        # request that crashes still gets its X-Request-ID, its status="500" metric and its
        # access line, and its kept-alive connection survives.
        return RequestContextMiddleware(super().build_middleware_stack())


def create_app(rt: Runtime, preload: bool = True) -> FastAPI:
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
    app.include_router(uploads.content_router)  # before the routes a key guards: its URL is signed
    for module in (
        media,
        uploads,
        conversions,
        collections,
        nutrition,
        foods,
        quality,
        jobs,
        webhooks,
        taxonomies,
        feedback,
        saved_searches,
        users,
        workflows,
        health,
    ):
        app.include_router(module.router)
    for module in (search, facets, products, ask, chats, recommendations):
        app.include_router(module.router, dependencies=[ReadScope])
    for module in (keys, admin):
        app.include_router(module.router)
    app.include_router(ui.router)  # the web UI: / and /static/
    app.include_router(docs.router)  # /docs, /redoc
    # Added first, so innermost: inside CORS, the body limit and the error middleware.
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
    return app
