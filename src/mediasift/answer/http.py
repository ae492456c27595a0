"""JSON over HTTP for hosted answer models: timeouts, bounded retries, server-sent events.

Every failure ends as ``BackendUnavailable`` within a bounded time, never a hang:

- connecting waits at most ``min(5, timeout_s)`` seconds, each read at most ``timeout_s``;
- connection errors, timeouts, 429 and 5xx are retried ``retries`` times with a short exponential
  backoff (a stream only until its first event: a half-written answer is not replayed);
- a stream also stops after ``4 * timeout_s`` in total, so a server trickling bytes cannot hold
  a request forever.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from typing import Any

import httpx

from mediasift.errors import BackendUnavailable

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
MAX_BACKOFF_S = 2.0


class JsonApi:
    """A small client for one provider (``name`` appears in every error message)."""

    def __init__(
        self,
        base_url: str,
        *,
        name: str,
        headers: dict[str, str] | None = None,
        timeout_s: float = 60.0,
        retries: int = 2,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self.retries = max(0, retries)
        self._http = httpx.Client(
            headers=headers or {},
            timeout=httpx.Timeout(timeout_s, connect=min(5.0, timeout_s)),
            transport=transport,
        )

    def post(self, path: str, body: dict[str, Any], params: dict[str, str] | None = None) -> dict[str, Any]:
        """POST ``body`` as JSON and return the JSON response."""
        for attempt in range(self.retries + 1):
            try:
                response = self._http.post(self._url(path), json=body, params=params)
            except httpx.TransportError as exc:
                self._retry_or_raise(attempt, f"{type(exc).__name__}: {exc}")
                continue
            if response.status_code in RETRY_STATUSES and attempt < self.retries:
                self._sleep(attempt, response)
                continue
            self._raise_for_status(response)
            try:
                return response.json()
            except ValueError:
                raise BackendUnavailable(f"{self.name} answered with invalid JSON") from None
        raise AssertionError("unreachable")  # the last attempt either returns or raises

    def stream_events(
        self, path: str, body: dict[str, Any], params: dict[str, str] | None = None
    ) -> Iterator[dict[str, Any]]:
        """POST ``body`` and yield the JSON payload of each server-sent event, until ``[DONE]``."""
        deadline = time.monotonic() + 4 * self.timeout_s
        for attempt in range(self.retries + 1):
            started = False
            try:
                with self._http.stream("POST", self._url(path), json=body, params=params) as response:
                    if response.status_code in RETRY_STATUSES and attempt < self.retries:
                        response.read()
                        self._sleep(attempt, response)
                        continue
                    if response.status_code >= 400:
                        response.read()
                        self._raise_for_status(response)
                    for payload in sse_data(response.iter_lines()):
                        if time.monotonic() > deadline:
                            raise BackendUnavailable(f"{self.name} took longer than {4 * self.timeout_s:g}s")
                        if payload.strip() == "[DONE]":
                            return
                        event = _loads(payload, self.name)
                        if isinstance(event, dict) and "error" in event:
                            raise BackendUnavailable(f"{self.name} failed mid-answer: {event['error']}")
                        started = True
                        yield event
                    return
            except httpx.TransportError as exc:
                if started:
                    raise BackendUnavailable(f"{self.name} broke off mid-answer: {exc}") from None
                self._retry_or_raise(attempt, f"{type(exc).__name__}: {exc}")

    def close(self) -> None:
        self._http.close()

    def _url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def _retry_or_raise(self, attempt: int, why: str) -> None:
        if attempt >= self.retries:
            raise BackendUnavailable(
                f"{self.name} at {self.base_url} is unavailable after {attempt + 1} attempt(s): {why}"
            )
        self._sleep(attempt, None)

    def _sleep(self, attempt: int, response: httpx.Response | None) -> None:
        delay = min(MAX_BACKOFF_S, 0.25 * 2**attempt)
        retry_after = response.headers.get("retry-after") if response is not None else None
        if retry_after and retry_after.replace(".", "", 1).isdigit():
            delay = min(MAX_BACKOFF_S, float(retry_after))  # honoured, but never a long wait
        time.sleep(delay)

    def _raise_for_status(self, response: httpx.Response) -> None:
        if response.status_code < 400:
            return
        detail = response.text[:300].strip()
        raise BackendUnavailable(f"{self.name} answered HTTP {response.status_code}: {detail}")


def sse_data(lines: Iterable[str]) -> Iterator[str]:
    """The ``data`` of each server-sent event (multi-line data joined by newlines); comments and
    other fields (``event``, ``id``, ``retry``) are skipped."""
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
                data = []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        if name == "data":
            data.append(value[1:] if value.startswith(" ") else value)
    if data:
        yield "\n".join(data)


def _loads(payload: str, name: str) -> Any:
    try:
        return json.loads(payload)
    except ValueError:
        raise BackendUnavailable(f"{name} sent an event that is not JSON: {payload[:100]!r}") from None
