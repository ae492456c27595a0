"""API documentation pages: ``/docs`` (Swagger UI) and ``/redoc``, both reading ``/openapi.json``.

FastAPI's own pages load their scripts from a CDN, which a self-hosted install may not reach. The
same pages are served here with the script and style files that the pinned ``fastapi-offline``
wheel ships (Swagger UI 5, which OpenAPI 3.1 needs, and ReDoc 2), under ``/docs-assets/``.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse

from mediasift.errors import NotFound

ASSETS = Path(str(files("fastapi_offline") / "static"))
_TYPES = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
}
_FAVICON = "/static/favicon.svg"  # the web UI's

router = APIRouter(include_in_schema=False)


def _root(request: Request) -> str:
    # Behind a proxy that mounts the app under a prefix (uvicorn --root-path).
    return str(request.scope.get("root_path", "")).rstrip("/")


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI over this OpenAPI document, with no CDN."""
    root = _root(request)
    return get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} API",
        swagger_js_url=f"{root}/docs-assets/swagger-ui-bundle.js",
        swagger_css_url=f"{root}/docs-assets/swagger-ui.css",
        swagger_favicon_url=f"{root}{_FAVICON}",
    )


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    """ReDoc over this OpenAPI document, with no CDN or web fonts."""
    root = _root(request)
    return get_redoc_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title=f"{request.app.title} API",
        redoc_js_url=f"{root}/docs-assets/redoc.standalone.js",
        redoc_favicon_url=f"{root}{_FAVICON}",
        with_google_fonts=False,
    )


@router.api_route("/docs-assets/{name}", methods=["GET", "HEAD"])
def asset(name: str) -> FileResponse:
    """The Swagger UI and ReDoc scripts and styles, from the pinned fastapi-offline wheel."""
    if name not in _TYPES:
        raise NotFound(f"no documentation asset {name!r}")
    # The files change only with the pinned wheel; a day of caching saves 2.8 MB per visit.
    return FileResponse(ASSETS / name, media_type=_TYPES[name], headers={"Cache-Control": "max-age=86400"})
