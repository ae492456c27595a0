"""The web UI: ``/`` serves the single page, ``/static/{path}`` its ES modules and styles.

Plain files, no build step and nothing fetched from elsewhere, so the page works offline. The
service worker (``/static/sw.js``) may control the whole origin (``Service-Worker-Allowed: /``): it
adds the API key to requests the browser makes on its own (``<video>``, ``<img>``, ``<track>``).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from mediasift.errors import NotFound

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
# Revalidate every time: the files are tiny and a stale module after an upgrade breaks the page.
_HEADERS = {"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"}

router = APIRouter(include_in_schema=False)


@router.api_route("/", methods=["GET", "HEAD"])
def index() -> FileResponse:
    """The web UI's page (search, media, ask, upload, library, operations)."""
    return FileResponse(STATIC_DIR / "index.html", media_type=_TYPES[".html"], headers=_HEADERS)


@router.api_route("/static/{name:path}", methods=["GET", "HEAD"])
def static_file(name: str) -> FileResponse:
    """The web UI's scripts, styles, icons and service worker."""
    path = (STATIC_DIR / name).resolve()
    if not path.is_relative_to(STATIC_DIR) or not path.is_file() or path.suffix not in _TYPES:
        raise NotFound(f"no static file {name!r}")
    headers = dict(_HEADERS)
    if path.name == "sw.js":
        headers["Service-Worker-Allowed"] = "/"
    return FileResponse(path, media_type=_TYPES[path.suffix], headers=headers)
