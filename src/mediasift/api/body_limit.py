"""A cap on the request bodies the API reads whole (JSON, URL-encoded forms): 413 past it.

FastAPI reads such a body entirely before validating it, so without a cap a 50 MB ``POST /v1/ask``
is held in memory and parsed before it is refused. Here the bytes are counted as they arrive, and
a declared ``Content-Length`` over the cap is refused before a byte is read.

Which bodies: those of routes with a body parameter, whatever their ``Content-Type`` claims, except
a multipart form sent to a route whose parameters are form fields (search by image: Starlette
spools the file part to disk). The upload route has no body parameter: it streams its multipart
body itself, under ``MEDIASIFT_MAX_UPLOAD_BYTES`` (``streaming_form.py``). Routes without a body
parameter never read the body, so it is never held.
"""

from __future__ import annotations

from typing import Any

from fastapi import params
from starlette.exceptions import HTTPException


class BodyLimitMiddleware:
    def __init__(self, app: Any, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        received = 0

        async def receive_within_limit() -> dict:
            nonlocal received
            # Decided at the first read, once routing has put the route in the scope.
            if not reads_whole(scope):
                return await receive()
            if _declared_length(scope) > self.max_bytes:
                raise self._too_large()
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self._too_large()
            return message

        await self.app(scope, receive_within_limit, send)

    def _too_large(self) -> HTTPException:
        # An HTTPException, not a MediasiftError: FastAPI re-raises it from its body reading as
        # it is (anything else there becomes "400 error parsing the body"); api/errors.py maps
        # 413 to limit_exceeded.
        return HTTPException(413, f"request body over the limit of {self.max_bytes} bytes")


def reads_whole(scope: dict) -> bool:
    body_field = getattr(scope.get("route"), "body_field", None)
    if body_field is None:
        return False
    is_form = isinstance(body_field.field_info, params.Form)
    return not (is_form and content_type(scope).startswith(b"multipart/form-data"))


def _declared_length(scope: dict) -> int:
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


def content_type(scope: dict) -> bytes:
    for name, value in scope.get("headers") or ():
        if name == b"content-type":
            return value.lower().lstrip()
    return b""
