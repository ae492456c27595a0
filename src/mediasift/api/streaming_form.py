"""Streamed multipart uploads: the file part flows from the socket to a consumer, never buffered whole.

``receive_upload`` parses ``request.stream()`` with python-multipart's streaming parser. Small
text fields (``collection``, ``metadata``) are collected first; when the file's bytes start, the
``consume`` callable runs on a thread of the upload pool (``upload_pool.py``) and reads them
through a bounded queue, so a slow store slows the client down rather than filling memory. The
byte limit is enforced *while* streaming: past it, reading from the client stops and the consumer
gets ``LimitExceeded``. A client that sends nothing for the idle timeout gets ``RequestTimeout``,
and its consumer stops the same way, so a stalled client holds its thread no longer than that.

Text fields must come before the file part (as S3 POST uploads require, and as browsers, curl
``-F`` in that order, httpx and requests send them), and so must small files sent beside it
(``attachments``: a video's subtitle files), which are read whole, each within its own limit.
The consumer only sees the end of the file once the whole body has been parsed, so a field that
arrives late fails the request before anything is recorded.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO, Generic, TypeVar, cast

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from mediasift.api.upload_pool import UploadPool
from mediasift.errors import InvalidRequest, LimitExceeded, RequestTimeout

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

T = TypeVar("T")
MAX_FIELD_BYTES = 64 * 1024
MAX_PARTS = 32
MAX_ATTACHMENTS = 8  # small files beside the one streamed, all names together
_EOF = object()


@dataclass(frozen=True, slots=True)
class Attachment:
    """A small file sent before the streamed one: its form field, its filename, its bytes."""

    field: str
    filename: str
    data: bytes


@dataclass
class Form:
    """What came before the streamed file: text fields, and ``attachments``."""

    fields: dict[str, str] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)


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

    def read(self, n: int | None = -1) -> bytes:
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

    def callbacks(self) -> MultipartCallbacks:
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


def _parser_for(request: Request, events: _Events) -> MultipartParser:
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise InvalidRequest("send multipart/form-data with a 'file' part")
    try:
        return MultipartParser(boundary, events.callbacks())
    except ValueError as exc:
        raise InvalidRequest(f"malformed multipart boundary: {exc}") from None


async def _next_chunk(stream: AsyncIterator[bytes], idle_timeout_s: float) -> bytes | None:
    """The body's next bytes, or ``None`` at its end; ``RequestTimeout`` if the client goes quiet."""
    timeout = asyncio.timeout(idle_timeout_s)
    try:
        async with timeout:
            return await anext(stream)
    except StopAsyncIteration:
        return None
    except TimeoutError:
        if not timeout.expired():
            raise
        raise RequestTimeout(f"the upload sent nothing for {idle_timeout_s:g} s") from None


class _Upload(Generic[T]):
    """One upload while its body is parsed: the fields so far, the file part and its consumer."""

    def __init__(
        self,
        consume: Callable[[str | None, Form, BinaryIO], T],
        pool: UploadPool,
        max_file_bytes: int,
        file_field: str,
        attachments: Mapping[str, int],
    ) -> None:
        self._consume, self._pool = consume, pool
        self._max_file_bytes, self._file_field = max_file_bytes, file_field
        self._attachment_limits = attachments
        self._queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=8)  # bounded: backpressure on the client
        self._form = Form()
        self._part: _Part | None = None
        self._file_part: _Part | None = None  # the part streaming to the consumer
        self._consumer: asyncio.Future[T] | None = None
        self._file_bytes = self._parts = 0
        self._finished = False

    async def on(self, kind: str, value: Any) -> None:
        """Act on one parser event (see ``_Events``)."""
        if kind == "begin":
            self._parts += 1
            if self._parts > MAX_PARTS:
                raise InvalidRequest(f"more than {MAX_PARTS} form parts")
            self._part = _Part()
        elif kind == "done":
            self._finished = True
        elif self._part is None:
            return
        elif kind == "header":
            self._part.headers[value[0]] = value[1]
        elif kind == "headers":
            self._described(self._part)
        elif kind == "data":
            await self._data(self._part, value)
        elif kind == "end":
            await self._end(self._part)

    async def finish(self) -> T:
        """The consumer's result, once the whole body has been parsed."""
        if self._file_part is None:
            if self._file_field in self._form.fields:  # a client that sends an empty file name as none
                raise InvalidRequest(
                    f"file: the {self._file_field!r} part came without a filename, so as a text field; "
                    f"send it as a file with its name (curl -F {self._file_field}=@notes.pdf)"
                )
            raise InvalidRequest("file: a 'file' part is required")
        if not self._finished:
            error = InvalidRequest("the multipart body ended early")
            await self.abort(error)
            raise error
        if self._consumer is None:  # not reached: the file part's end has started it
            await self._start()
        await self._feed(_EOF)
        assert self._consumer is not None
        return await self._consumer

    async def abort(self, exc: BaseException) -> None:
        """Stop the consumer (it removes what it wrote) before the request is answered."""
        if self._consumer is not None:
            await self._feed(exc if isinstance(exc, Exception) else InvalidRequest("upload aborted"))
            await asyncio.gather(self._consumer, return_exceptions=True)

    def _described(self, part: _Part) -> None:
        _describe(part)
        if part.name == self._file_field and part.filename is not None and self._file_part is None:
            self._file_part = part
        elif self._file_part is not None and part.filename is None and part.name:
            raise InvalidRequest(f"form field {part.name!r} came after the file: send fields before the file")
        elif part.filename is not None and part.name in self._attachment_limits:
            if self._file_part is not None:
                raise InvalidRequest(f"{part.name!r} came after the file: send it before the file")
            if len(self._form.attachments) >= MAX_ATTACHMENTS:
                raise InvalidRequest(f"more than {MAX_ATTACHMENTS} files beside the file")

    async def _data(self, part: _Part, value: bytes) -> None:
        if part is self._file_part:
            self._file_bytes += len(value)
            if self._file_bytes > self._max_file_bytes:
                raise LimitExceeded(f"upload exceeds the limit of {self._max_file_bytes} bytes")
            if self._consumer is None:
                await self._start()
            await self._feed(value)
        elif part.filename is None:
            part.data.extend(value)
            if len(part.data) > MAX_FIELD_BYTES:
                raise LimitExceeded(f"form field {part.name!r} is larger than {MAX_FIELD_BYTES} bytes")
        elif part.name is not None and part.name in self._attachment_limits:
            part.data.extend(value)
            if len(part.data) > (limit := self._attachment_limits[part.name]):
                raise LimitExceeded(f"{part.name!r} file {part.filename!r} is larger than {limit} bytes")

    async def _end(self, part: _Part) -> None:
        if part is self._file_part:
            if self._consumer is None:  # an empty file
                await self._start()
        elif part.filename is None and part.name:
            self._form.fields[part.name] = part.data.decode("utf-8", "replace")
        elif part.filename is not None and part.name is not None and part.name in self._attachment_limits:
            self._form.attachments.append(Attachment(part.name, part.filename, bytes(part.data)))
        self._part = None

    async def _start(self) -> None:
        # Taken at the file's first bytes, not its headers: a client that stalls before sending
        # any holds no thread. The request's context (log fields, trace span) goes with the task
        # and on to the thread.
        assert self._file_part is not None
        # the consumer only calls read(): the file-like it gets needs nothing more
        reader = cast(BinaryIO, _BridgeReader(self._queue, asyncio.get_running_loop()))
        form = Form(dict(self._form.fields), list(self._form.attachments))
        call = functools.partial(self._consume, self._file_part.filename, form, reader)
        self._consumer = await self._pool.start(call)

    async def _feed(self, item: Any) -> None:
        # If the consumer already stopped on an error of its own, stop reading the client: that
        # error is what the request reports.
        consumer = self._consumer
        assert consumer is not None
        if consumer.done():
            consumer.result()  # re-raises the consumer's own error (e.g. invalid metadata)
            return
        put = asyncio.ensure_future(self._queue.put(item))
        racing: set[asyncio.Future[Any]] = {put, consumer}
        await asyncio.wait(racing, return_when=asyncio.FIRST_COMPLETED)
        if not put.done():
            put.cancel()


async def receive_upload(
    request: Request,
    consume: Callable[[str | None, Form, BinaryIO], T],
    *,
    max_file_bytes: int,
    pool: UploadPool,
    idle_timeout_s: float,
    file_field: str = "file",
    attachments: Mapping[str, int] | None = None,
) -> T:
    """Parse the multipart body; call ``consume(filename, form, stream)`` for the file part, where
    ``form`` holds the text fields and the files of the ``attachments`` fields (field name -> the
    most bytes one may hold; other files before the file part are ignored).

    ``consume`` runs on a thread of ``pool``. Besides ``InvalidRequest`` and ``LimitExceeded``,
    raises ``RequestTimeout`` when no bytes arrive for ``idle_timeout_s`` seconds, ``ServerBusy``
    when the pool has no thread in time, and ``ClientDisconnect`` when the client goes away; a
    consumer that had started has stopped, and cleaned up, before any of them is raised.
    """
    events = _Events()
    parser = _parser_for(request, events)
    upload: _Upload[T] = _Upload(consume, pool, max_file_bytes, file_field, attachments or {})
    stream = request.stream()
    try:
        while (chunk := await _next_chunk(stream, idle_timeout_s)) is not None:
            try:
                parser.write(chunk)
            except Exception as exc:  # python-multipart raises its own errors on malformed input
                raise InvalidRequest(f"malformed multipart body: {exc}") from None
            for kind, value in events.items:
                await upload.on(kind, value)
            events.items.clear()
    except BaseException as exc:
        await upload.abort(exc)
        raise
    return await upload.finish()
