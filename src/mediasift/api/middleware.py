"""One ASGI middleware for every request: request id, log context, trace span, HTTP metrics, and
one access-log line (JSON, with request id, tenant and media id) when the request ends.

Pure ASGI (not ``BaseHTTPMiddleware``) so streamed uploads and server-sent events pass through
untouched. Metrics are labelled by the *route template* (``/v1/media/{media_id}``), never the raw
path, so ids do not explode the series count; unmatched paths share one ``unmatched`` label.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mediasift import meters
from mediasift.ops.logs import bind_request_context, clear_context
from mediasift.ops.tracing import span

# nginx's status for a request its client closed before the answer began; never sent to anyone.
CLIENT_CLOSED_REQUEST = 499
# Where the HTTP server notes a status it already sent for a request the app holds (a body it
# could not parse): that answer, not the app's view of a vanished client, is what is counted.
ANSWERED_BY_SERVER = "mediasift.answered_by_server"
_REQUEST_ID = re.compile(r"[A-Za-z0-9._\-]{1,64}")
_access = logging.getLogger("mediasift.access")
_log = logging.getLogger("mediasift.api")
# Probes and scrapes arrive every few seconds; at INFO they would drown the requests people make.
_QUIET_ROUTES = frozenset({"/health", "/ready", "/metrics"})


class RequestContextMiddleware:
    """Wraps the whole application, Starlette's ``ServerErrorMiddleware`` included (``app.py``)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        clear_context()
        bind_request_context(request_id=request_id)
        started = time.perf_counter()
        status = 500  # what a crash before the response starts is counted as
        client_gone = False

        async def receive_watching() -> Message:
            nonlocal client_gone
            message = await receive()
            client_gone = client_gone or message["type"] == "http.disconnect"
            return message

        response_started = response_complete = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started, response_complete
            if message["type"] == "http.response.start":
                # An answer started after the client left reaches nobody: count what happened.
                answered = (scope.get("state") or {}).get(ANSWERED_BY_SERVER)
                status = answered or (CLIENT_CLOSED_REQUEST if client_gone else message["status"])
                response_started = True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
                route = scope.get("route")
                meters.observe_http(
                    scope["method"],
                    getattr(route, "path", "unmatched"),
                    status,
                    time.perf_counter() - started,
                )
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                response_complete = True
            await send(message)

        try:
            with span(f"{scope['method']} {scope.get('path', '')}", request_id=request_id):
                await self.app(scope, receive_watching, send_with_id)
        except Exception:
            if response_started and not response_complete:
                raise  # a response cut short: only dropping the connection tells the client
            if not response_started:
                _log.error("unhandled error", exc_info=True)
                await _send_internal_error(send_with_id)
            # Otherwise ServerErrorMiddleware has logged the error and answered 500 in full;
            # re-raising would only make the server reset the kept-alive connection.
        finally:
            _log_access(scope, status, time.perf_counter() - started)


async def _send_internal_error(send: Send) -> None:
    body = json.dumps({"code": "internal", "message": "internal error"}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _log_access(scope: Scope, status: int, seconds: float) -> None:
    route = getattr(scope.get("route"), "path", "unmatched")
    level = logging.DEBUG if route in _QUIET_ROUTES else logging.INFO
    if not _access.isEnabledFor(level):
        return
    # The principal is set by a dependency that may run in a worker thread, so its log context
    # does not reach here; request.state (scope["state"]) does.
    principal = (scope.get("state") or {}).get("principal")
    fields = {
        "method": scope["method"],
        "route": route,
        "status": status,
        "duration_ms": round(seconds * 1000, 1),
        "tenant": getattr(principal, "tenant_id", None),
        "media_id": (scope.get("path_params") or {}).get("media_id"),
    }
    bind_request_context(**fields)
    _access.log(level, "%s %s %d", scope["method"], route, status)


def record_refused_request(method: str, status: int, request_id: str, seconds: float) -> None:
    """Count and log a request the HTTP server refused before the app saw it (``http_server.py``)."""
    meters.observe_http(method, "unmatched", status, seconds)
    clear_context()
    bind_request_context(request_id=request_id)
    _log_access({"method": method}, status, seconds)
    clear_context()
