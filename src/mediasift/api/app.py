"""The FastAPI application: routers per resource under ``/v1``, health at the root."""

from __future__ import annotations

from fastapi import FastAPI

from mediasift import __version__
from mediasift.api.errors import install_error_handlers
from mediasift.api.routes import ask, health, jobs, media, search, ui
from mediasift.runtime import Runtime


def create_app(rt: Runtime) -> FastAPI:
    app = FastAPI(
        title="mediasift",
        version=__version__,
        description="Search and ask what is inside your video, audio, images and documents.",
    )
    app.state.runtime = rt
    install_error_handlers(app)
    for module in (media, jobs, search, ask, health):
        app.include_router(module.router)
    app.include_router(ui.router)  # the web UI: / and /static/
    return app
