"""A NUL character anywhere in a request's path, query string or JSON body: 400, on every catalog.

PostgreSQL refuses NUL in text (``PostgreSQL text fields cannot contain NUL (0x00) bytes``), so a
NUL that reached a query was a 500 there and a 404 or a stored value on SQLite. No id, name, query
or setting of mediasift holds one, so the request is refused before it reaches a route, the same
way on both. (The multipart forms' text fields are checked by their routes: a collection's name,
an upload's file name; their metadata is JSON, where PostgreSQL keeps the escape.)

A JSON body writes a NUL as the escape ``\\u0000`` (a raw control character is invalid JSON); it
is looked for in the bodies FastAPI reads whole (``body_limit.reads_whole``), once they have
arrived, and not in uploads, which are streamed.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from mediasift.api.body_limit import content_type, reads_whole

# ``\u0000`` after an even number of backslashes (``\\u0000`` is a backslash and "u0000").
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
MESSAGE = "the request holds a NUL character (\\u0000 or %00), which no value of mediasift may contain"


class NulGuardMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string") or b""
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
                if not message.get("more_body") and _JSON_NUL.search(b"".join(body)):
                    raise HTTPException(400, MESSAGE)
            return message

        await self.app(scope, receive_checked, send)
