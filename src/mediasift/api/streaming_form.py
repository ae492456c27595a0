"""Streamed multipart uploads: the file part flows from the socket to a consumer, never buffered whole.

``receive_upload`` parses ``request.stream()`` with python-multipart's streaming parser. Small
text fields (``collection``, ``metadata``) are collected first; when the file part starts, the
``consume`` callable runs in a thread and reads the file's bytes through a bounded queue, so a slow
store slows the client down rather than filling memory. The byte limit is enforced *while*
streaming: past it, reading from the client stops and the consumer gets ``LimitExceeded``.

Text fields must come before the file part (as S3 POST uploads require, and as browsers, curl
``-F`` in that order, httpx and requests send them). The consumer only sees the end of the file
once the whole body has been parsed, so a field that arrives late fails the request before
anything is recorded.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, BinaryIO, TypeVar

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from mediasift.errors import InvalidRequest, LimitExceeded

T = TypeVar("T")
MAX_FIELD_BYTES = 64 * 1024
MAX_PARTS = 32
_EOF = object()


@dataclass
class _Part:
    headers: dict[str, str] = field(default_factory=dict)
    name: str | None = None
    filename: str | None = None
    data: bytearray = field(default_factory=bytearray)


class _BridgeReader:
    """A blocking ``read`` for the consumer thread over chunks the event loop feeds it."""

    def __init__(self, queue: asyncio.Queue[Any], loop: asyncio.AbstractEventLoop) -> None:
        self._queue, self._loop = queue, loop
        self._pending = b""
        self._done = False

    def read(self, n: int = -1) -> bytes:
        while not self._pending and not self._done:
            item = asyncio.run_coroutine_threadsafe(self._queue.get(), self._loop).result()
            if item is _EOF:
                self._done = True
            elif isinstance(item, BaseException):
                self._done = True
                raise item
            else:
                self._pending = item
        if n is None or n < 0:
            n = len(self._pending)
        chunk, self._pending = self._pending[:n], self._pending[n:]
        return chunk


class _Events:
    """Collects the parser's callbacks for one ``write`` so the async side can act on them."""

    def __init__(self) -> None:
        self.items: list[tuple[str, Any]] = []
        self._field, self._value = bytearray(), bytearray()

    def callbacks(self) -> dict[str, Any]:
        return {
            "on_part_begin": lambda: self.items.append(("begin", None)),
            "on_header_field": lambda d, s, e: self._field.extend(d[s:e]),
            "on_header_value": lambda d, s, e: self._value.extend(d[s:e]),
            "on_header_end": self._header_end,
            "on_headers_finished": lambda: self.items.append(("headers", None)),
            "on_part_data": lambda d, s, e: self.items.append(("data", bytes(d[s:e]))),
            "on_part_end": lambda: self.items.append(("end", None)),
            "on_end": lambda: self.items.append(("done", None)),
        }

    def _header_end(self) -> None:
        name = self._field.decode("latin-1").strip().lower()
        # latin-1 maps bytes 1:1, so the raw bytes survive until _describe decodes them as UTF-8
        self.items.append(("header", (name, self._value.decode("latin-1"))))
        self._field.clear()
        self._value.clear()


def _describe(part: _Part) -> None:
    _, params = parse_options_header(part.headers.get("content-disposition", ""))
    name = params.get(b"name")
    filename = params.get(b"filename")
    part.name = name.decode("utf-8", "replace") if name is not None else None
    part.filename = filename.decode("utf-8", "replace") if filename is not None else None


async def receive_upload(
    request: Request,
    consume: Callable[[str | None, dict[str, str], BinaryIO], T],
    *,
    max_file_bytes: int,
    file_field: str = "file",
) -> T:
    """Parse the multipart body; call ``consume(filename, fields, stream)`` for the file part."""
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise InvalidRequest("send multipart/form-data with a 'file' part")
    events = _Events()
    try:
        parser = MultipartParser(boundary, events.callbacks())
    except ValueError as exc:
        raise InvalidRequest(f"malformed multipart boundary: {exc}") from None

    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=8)  # bounded: backpressure on the client
    fields: dict[str, str] = {}
    consumer: asyncio.Future[T] | None = None
    part: _Part | None = None
    file_part: _Part | None = None  # the part streaming to the consumer
    file_bytes = parts = 0
    finished = False

    async def feed(item: Any) -> None:
        # If the consumer already stopped on an error of its own, stop reading the client: that
        # error is what the request reports.
        assert consumer is not None
        if consumer.done():
            consumer.result()  # re-raises the consumer's own error (e.g. invalid metadata)
            return
        put = asyncio.ensure_future(queue.put(item))
        await asyncio.wait({put, consumer}, return_when=asyncio.FIRST_COMPLETED)
        if not put.done():
            put.cancel()

    try:
        async for chunk in request.stream():
            try:
                parser.write(chunk)
            except Exception as exc:  # python-multipart raises its own errors on malformed input
                raise InvalidRequest(f"malformed multipart body: {exc}") from None
            for kind, value in events.items:
                if kind == "begin":
                    parts += 1
                    if parts > MAX_PARTS:
                        raise InvalidRequest(f"more than {MAX_PARTS} form parts")
                    part = _Part()
                elif kind == "header" and part is not None:
                    part.headers[value[0]] = value[1]
                elif kind == "headers" and part is not None:
                    _describe(part)
                    if part.name == file_field and part.filename is not None and consumer is None:
                        file_part = part
                        reader = _BridgeReader(queue, loop)
                        # The request's context (log fields, trace span) goes with the consumer thread.
                        context = contextvars.copy_context()
                        consumer = loop.run_in_executor(
                            None, context.run, consume, part.filename, dict(fields), reader
                        )
                    elif consumer is not None and part.filename is None and part.name:
                        raise InvalidRequest(
                            f"form field {part.name!r} came after the file: send fields before the file"
                        )
                elif kind == "data" and part is not None:
                    if part is file_part:
                        file_bytes += len(value)
                        if file_bytes > max_file_bytes:
                            raise LimitExceeded(f"upload exceeds the limit of {max_file_bytes} bytes")
                        await feed(value)
                    elif part.filename is None:
                        part.data.extend(value)
                        if len(part.data) > MAX_FIELD_BYTES:
                            raise LimitExceeded(
                                f"form field {part.name!r} is larger than {MAX_FIELD_BYTES} bytes"
                            )
                elif kind == "end" and part is not None:
                    if part is not file_part and part.filename is None and part.name:
                        fields[part.name] = part.data.decode("utf-8", "replace")
                    part = None
                elif kind == "done":
                    finished = True
            events.items.clear()
    except ClientDisconnect:
        if consumer is not None:
            await feed(InvalidRequest("the client disconnected during the upload"))
            await asyncio.gather(consumer, return_exceptions=True)
        raise
    except BaseException as exc:
        if consumer is not None:  # make the consumer stop (and clean up) before we answer
            await feed(exc if isinstance(exc, Exception) else InvalidRequest("upload aborted"))
            await asyncio.gather(consumer, return_exceptions=True)
        raise
    if consumer is None:
        raise InvalidRequest("file: a 'file' part is required")
    await feed(_EOF if finished else InvalidRequest("the multipart body ended early"))
    return await consumer
