"""HEAD wherever GET is (RFC 9110, 9.3.2): the GET's status and headers, without its body.

FastAPI routes answer only the methods they declare, so an uptime probe's ``HEAD /health`` or a
download manager's ``HEAD …/original`` was a 405. The request is routed as the GET it stands for
and the body is dropped on the way out; its ``Content-Length`` stays the GET's.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGetMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
