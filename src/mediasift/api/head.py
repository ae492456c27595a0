"""HEAD wherever GET is (RFC 9110, 9.3.2): the GET's status and headers, without its body.

FastAPI routes answer only the methods they declare, so an uptime probe's ``HEAD /health`` or a
download manager's ``HEAD …/original`` was a 405. The request is routed as the GET it stands for
and the body is dropped on the way out; its ``Content-Length`` stays the GET's. A route whose body
is costly to make (a stored object, read from disk or S3) asks ``is_head`` and makes none: a HEAD
of a 2 GB original had read all of it to throw it away.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_HEAD = "mediasift.head"  # the scope's mark of a HEAD routed as a GET


def is_head(request: Request) -> bool:
    """Whether this GET is a HEAD's: its body will be dropped, so a route may leave it empty as
    long as its headers (``Content-Length`` included) are the GET's."""
    return bool(request.scope.get(_HEAD))


class HeadAsGetMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        routed: Scope = {**scope, "method": "GET", _HEAD: True}

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            _carry_route(routed, scope)  # before the access log and metrics read it, at the start
            await send(message)

        try:
            await self.app(routed, receive, headers_only)
        finally:
            _carry_route(routed, scope)


def _carry_route(routed: Scope, scope: Scope) -> None:
    """What routing wrote on the GET's scope (the route, its path parameters), on the HEAD's own,
    which the middleware outside reads: a HEAD had been logged and counted as route "unmatched",
    at INFO even for ``/health``."""
    for key in ("route", "path_params", "endpoint"):
        if key in routed:
            scope[key] = routed[key]
