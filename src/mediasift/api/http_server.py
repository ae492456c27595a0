"""The HTTP server: uvicorn over h11, answering requests h11 cannot parse the way the API answers.

uvicorn's one limit on a request's head is h11's ``max_incomplete_event_size`` (the request line
and the header fields together; ``text_guard.HEAD_LIMIT_BYTES``). Past it, or on any malformed head,
uvicorn writes a plain-text 400 and closes the socket at once, so a client still sending its
1 MB query string gets a connection reset instead of the answer. This protocol answers instead:

- a request line over the limit (no line end yet): 414 ``uri_too_long``;
- header fields over it: 431 ``headers_too_large``;
- any other head h11 refuses: 400 ``invalid_request``;

each with the ``{"code", "message"}`` body, an ``X-Request-ID``, a count in ``/metrics`` (route
``unmatched``) and an access line. It then *lingers*: it half-closes its side and reads and drops
what the client still sends (up to ``LINGER_BYTES``, for at most ``LINGER_S``), so the client gets
to read the answer before the connection closes.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol, RequestResponseCycle

from mediasift.api.middleware import ANSWERED_BY_SERVER, record_refused_request
from mediasift.api.text_guard import HEAD_LIMIT_BYTES

LINGER_S = 5.0
LINGER_BYTES = 16 * 1024**2
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def build_server(app: Any, host: str, port: int) -> uvicorn.Server:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        # uvicorn's own records go to the root logger, as every other one (``ops/logs.py``): its
        # handlers had written plain "ERROR:    …" lines into a JSON log.
        log_config=None,
        http=RefusingH11Protocol,
        h11_max_incomplete_event_size=HEAD_LIMIT_BYTES,
    )
    return uvicorn.Server(config)


class RefusingH11Protocol(H11Protocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_started: float | None = None
        self._lingering = False
        self._discarded = 0
        self._linger_timer: asyncio.TimerHandle | None = None

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            self._discard(data)
            return
        if self._head_started is None and self.conn.their_state is h11.IDLE:
            self._head_started = time.perf_counter()
        super().data_received(data)

    def on_response_complete(self) -> None:
        self._head_started = None  # the next request's head starts with its first byte
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._linger_timer is not None:
            self._linger_timer.cancel()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        """Called by uvicorn, in place of its plain-text 400, once h11 has refused the head."""
        head, _ = self.conn.trailing_data
        # A request whose head was parsed failed in its body: what is buffered is no head.
        cycle: RequestResponseCycle | None = self.cycle  # uvicorn types it non-optional; None before one
        in_head = cycle is None or cycle.response_complete
        status, code, message = _refusal(head if in_head else b"")
        request_id = uuid.uuid4().hex
        body = json.dumps({"code": code, "message": message}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"connection", b"close"),
            (b"x-request-id", request_id.encode()),
        ]
        for event in (h11.Response(status_code=status, headers=headers), h11.Data(data=body)):
            self.transport.write(self.conn.send(event))
        self.transport.write(self.conn.send(h11.EndOfMessage()))
        if not in_head and self.cycle is not None:  # the app's middleware counts it, as this status
            self.cycle.scope.setdefault("state", {})[ANSWERED_BY_SERVER] = status
        if in_head:
            seconds = time.perf_counter() - (self._head_started or time.perf_counter())
            record_refused_request(_method(head), status, request_id, seconds)
        self._linger()

    def _linger(self) -> None:
        # Closing now, with the client's bytes unread, makes the kernel send a reset that can
        # destroy the answer before the client reads it.
        self._lingering = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self._linger_timer = self.loop.call_later(LINGER_S, self.transport.close)

    def _discard(self, data: bytes) -> None:
        self._discarded += len(data)
        if self._discarded > LINGER_BYTES:
            self.transport.close()


def _refusal(head: bytes) -> tuple[int, str, str]:
    if len(head) <= HEAD_LIMIT_BYTES:
        return 400, "invalid_request", "malformed HTTP request"
    if b"\n" not in head:
        return 414, "uri_too_long", f"the request line is over the limit of {HEAD_LIMIT_BYTES} bytes"
    return 431, "headers_too_large", f"the request headers are over the limit of {HEAD_LIMIT_BYTES} bytes"


def _method(head: bytes) -> str:
    token = head[:8].split(b" ", 1)[0].decode("latin-1")
    return token if token in _METHODS else "OTHER"
