"""Requests refused before any route: a head over its limit, and characters no value may hold.

**A head over ``HEAD_LIMIT_BYTES``**: a request line (its path and query string) over it is a 414
``uri_too_long``, header fields over it together a 431 ``headers_too_large``. The HTTP server
(``http_server.py``) answers so a head that arrives piecemeal past the limit; one that arrives
whole in one read is parsed whatever its size, so it is measured here (a 100 KB path had been a
404 echoing its 100 KB, a 30 KB header a 200).

**Characters no value of mediasift may hold**, refused with 400 on every catalog:

- **NUL** (``%00`` in a path or query string, ``\\u0000`` in a JSON body). PostgreSQL refuses it in
  text (``PostgreSQL text fields cannot contain NUL (0x00) bytes``), so a NUL that reached a query
  was a 500 there and a 404 or a stored value on SQLite.
- **A lone surrogate** (``\\ud800`` in a JSON body without its pair): no UTF-8 text holds one.
  Pydantic refuses it in a plain string field, but not inside a free-form object; a taxonomy
  label holding one was stored and every later read of the tenant's taxonomies was a 500, and a
  filter holding one failed inside the index.

JSON can write either character only as a ``\\u`` escape (a raw control character is invalid
JSON), so a body without one is passed on unread; one with one is parsed and its strings looked
at, in the bodies FastAPI reads whole (``body_limit.reads_whole``) once they have arrived, never in
uploads, which are streamed. (The multipart forms' text fields are checked by their routes: a
collection's name, an upload's file name, and its metadata with ``unstorable``.) A path or query
string is decoded with replacement characters, so it can hold no lone surrogate.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from mediasift.api.body_limit import content_type, reads_whole
from mediasift.text_form import unstorable

HEAD_LIMIT_BYTES = 16 * 1024  # h11's default, stated: a request line, or its header fields together
MESSAGE = (
    "the request holds a NUL character or a lone surrogate (%00, \\u0000, \\ud800), which no value of "
    "mediasift may contain"
)


class TextGuardMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string") or b""
        if refused := _over_limit(scope, query):
            status, code, message = refused
            await JSONResponse({"code": code, "message": message}, status_code=status)(scope, receive, send)
            return
        if "\x00" in scope.get("path", "") or b"%00" in query or b"\x00" in query:
            await JSONResponse({"code": "invalid_request", "message": MESSAGE}, status_code=400)(
                scope, receive, send
            )
            return
        checking: bool | None = None  # decided at the first read, once routing has put the route in the scope
        body: list[bytes] = []

        async def receive_checked() -> dict:
            nonlocal checking
            message = await receive()
            if message["type"] != "http.request":
                return message
            if checking is None:
                checking = reads_whole(scope) and b"json" in content_type(scope)
            if checking:
                body.append(message.get("body", b""))
                if not message.get("more_body") and _unstorable_body(b"".join(body)):
                    raise HTTPException(400, MESSAGE)
            return message

        await self.app(scope, receive_checked, send)


def _over_limit(scope: dict, query: bytes) -> tuple[int, str, str] | None:
    line = len(scope.get("raw_path") or scope.get("path", "").encode()) + len(query)
    if line > HEAD_LIMIT_BYTES:
        return 414, "uri_too_long", f"the request line is over the limit of {HEAD_LIMIT_BYTES} bytes"
    fields = sum(
        len(name) + len(value) + 4 for name, value in scope.get("headers") or ()
    )  # "name: value\r\n"
    if fields > HEAD_LIMIT_BYTES:
        return 431, "headers_too_large", f"the request headers are over the limit of {HEAD_LIMIT_BYTES} bytes"
    return None


def _unstorable_body(body: bytes) -> bool:
    """Whether a JSON body holds a string (a key or a value) with a NUL or a lone surrogate."""
    if b"\\u" not in body:
        return False
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return False  # FastAPI answers a body it cannot parse itself
    return unstorable(value)
