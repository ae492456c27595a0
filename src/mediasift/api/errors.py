"""One mapping from errors to HTTP responses: ``{"code", "message"}`` with the error's status.

Every error the API returns — mediasift's own, FastAPI's validation errors, Starlette's 404/405,
and anything unexpected — has this shape, so clients can switch on ``code``. ``unauthorized``
carries ``WWW-Authenticate``; ``rate_limited`` and ``server_busy`` carry ``Retry-After``;
``request_timeout`` and ``server_busy`` close the connection; ``range_not_satisfiable`` carries
``Content-Range``.
"""

from __future__ import annotations

import errno
import logging
import math
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from mediasift.api.deps import IN_PROCESS
from mediasift.errors import (
    MediasiftError,
    RangeNotSatisfiable,
    RateLimited,
    RequestTimeout,
    ServerBusy,
    Unauthorized,
)

log = logging.getLogger("mediasift.api")

_HTTP_CODES = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "limit_exceeded",
    414: "uri_too_long",
    415: "unsupported_media",
    416: "range_not_satisfiable",
    422: "invalid_request",
    429: "rate_limited",
}


def error_response(exc: MediasiftError) -> JSONResponse:
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, RateLimited | ServerBusy):
        headers["Retry-After"] = str(max(1, math.ceil(getattr(exc, "retry_after_s", 1.0))))
    if isinstance(exc, RequestTimeout | ServerBusy):
        # Answered before the body has all arrived: rather than read and discard the rest (a
        # stalled client may never send it), the connection ends with this answer.
        headers["Connection"] = "close"
    if isinstance(exc, RangeNotSatisfiable):
        headers["Content-Range"] = f"bytes */{exc.size}"
    return JSONResponse(exc.to_dict(), status_code=exc.status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(MediasiftError)
    async def _mediasift(request: Request, exc: MediasiftError) -> JSONResponse:
        if getattr(request.state, IN_PROCESS, False):
            pass  # the CLI's own API: the command prints the error itself (it had been said twice)
        elif isinstance(exc, ServerBusy):  # shedding load as designed: worth seeing, not a fault
            log.warning("%s: %s", exc.code, exc.message)
        elif exc.status >= 500:
            log.error("%s: %s", exc.code, exc.message)
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        message = f"{where}: {first.get('msg', 'invalid request')}" if where else "invalid request"
        if first.get("type") == "string_pattern_mismatch" and (
            said := _described(request, first.get("loc", ()))
        ):
            message = f"{where}: {said}"  # what the parameter may be, not the regular expression
        if first.get("type") == "json_invalid":  # its location is a character offset, not a field
            loc = first.get("loc", ())
            why = (first.get("ctx") or {}).get("error") or "JSON decode error"
            at = f" at character {loc[-1]}" if len(loc) > 1 else ""
            message = f"the body is not valid JSON: {why}{at}"
        return JSONResponse({"code": "invalid_request", "message": message}, status_code=422)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "error" if exc.status_code < 500 else "internal")
        headers = exc.headers
        if exc.status_code == 405 and (allowed := _allowed_methods(request)):
            headers = {**(headers or {}), "Allow": ", ".join(allowed)}
            message = f"{request.method} is not allowed here: {', '.join(allowed)}"
            return JSONResponse({"code": code, "message": message}, status_code=405, headers=headers)
        return JSONResponse(
            {"code": code, "message": str(exc.detail)}, status_code=exc.status_code, headers=headers
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, OSError) and exc.errno in _STORAGE_ERRNOS:
            # The home's disk full or read-only: the operator's to fix, and a client's to retry
            # after; not a bug (it had been 500 "internal error", the cause only in the log).
            log.error("storage unavailable: %s", exc.strerror)
            message = f"storage unavailable: {exc.strerror}"
            return JSONResponse({"code": "backend_unavailable", "message": message}, status_code=503)
        log.error("unhandled error", exc_info=exc)
        return JSONResponse({"code": "internal", "message": "internal error"}, status_code=500)


_STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})


def _allowed_methods(request: Request) -> list[str]:
    """Every method the API answers at this path, as its OpenAPI document lists them (Starlette
    names only the first route's: a ``PUT /v1/media`` had been told ``Allow: POST``, though
    ``GET`` is there too); ``HEAD`` with ``GET`` (``api/head.py``)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, request.url.path):
            methods |= {m.upper() for m in operations}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def _described(request: Request, loc: tuple[Any, ...]) -> str | None:
    """The description of the route's parameter at ``loc`` (``("path", "name")``), if it has one."""
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None or len(loc) != 2:
        return None
    params = {
        "path": dependant.path_params,
        "query": dependant.query_params,
        "header": dependant.header_params,
    }
    for field in params.get(str(loc[0]), []):
        if field.alias == loc[1]:
            description = field.field_info.description
            return description[:1].lower() + description[1:] if description else None
    return None
