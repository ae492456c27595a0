"""An answer over HTTP, as ``/v1/ask`` and a chat's turns both send it.

The body is ``AskOut``; with ``?stream=true`` the same answer goes out as server-sent events::

    event: token       data: {"text": "The shop opens "}        (repeated; citations already checked)
    event: citations   data: [{"n": 1, "media_id": ..., "start_s": 14.0, ...}]
    event: done        data: {"answer": ..., "model": ..., "found": true, "dropped_citations": 0}

An error after the stream started arrives as ``event: error`` with ``{"code", "message"}``; one
before it (a provider that is down) is an ordinary JSON error response with its status.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Annotated, Any, Protocol

from fastapi import Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from mediasift.api.schemas import error_responses
from mediasift.domain import Filters
from mediasift.errors import MediasiftError
from mediasift.services import ask as rag
from mediasift.services.search import normalize_filters

ERRORS = error_responses(400, 404, 422, 503)
# An answer's 200: one ``AskOut`` (the response model's JSON), or with ``stream=true`` its events.
STREAMED = {
    200: {
        "description": "The answer; with `stream=true`, server-sent events instead: `token` "
        '(`{"text"}`) as the answer is written, then `citations` (a list of citations), then `done` '
        "(the answer without its citations), or `error` (`{code, message}`) if it fails midway",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    },
    **ERRORS,
}
LABELS = (
    "Only media with any of these labels, each taxonomy:label (e.g. temas:barismo); "
    "with entities or keywords too, media must match each list"
)
ENTITIES = (
    "Only media naming any of these entities, each TYPE:text with TYPE one of PER, ORG, LOC, DATE, "
    "QUANTITY, PRODUCT, MISC (e.g. PER:Jane Austen; the text is matched case-insensitively)"
)
KEYWORDS = "Only media with any of these keywords (matched case-insensitively)"
StreamQuery = Annotated[bool, Query(description="Answer as server-sent events (token, citations, done)")]


class FiltersIn(BaseModel):
    # A key it does not know is refused: "collection" for "collections" had answered from every
    # collection, as if no filter had been asked for.
    model_config = ConfigDict(extra="forbid")

    kinds: list[str] | None = Field(None, description="video, audio, image, document, text, code")
    collections: list[str] | None = None
    modalities: list[str] | None = Field(None, description="speech, ocr, text, frame, image, tag, note, code")
    media_ids: list[str] | None = None
    languages: list[str] | None = Field(
        None, description="Language of the text (en, es) or of the code (python, go, sql…)"
    )
    metadata: dict[str, str | int | float | bool] | None = Field(
        None,
        description="Exact match on media metadata, e.g. sku; a number or true/false matches the value "
        "given at upload as search's `meta=key=value` does",
    )

    @field_validator("metadata")
    @classmethod
    def _as_text(cls, value: dict[str, Any] | None) -> dict[str, str] | None:
        # Points carry metadata as text (``index.points.MediaPayload``): 1 matches {"n": 1}.
        return None if value is None else {k: str(v) for k, v in value.items()}

    added_after: str | None = Field(
        None, max_length=40, description="Only media added at or after this ISO 8601 date or date-time"
    )
    added_before: str | None = Field(
        None, max_length=40, description="Only media added at or before this date (whole day) or date-time"
    )
    labels: list[str] | None = Field(None, description=LABELS)
    entities: list[str] | None = Field(None, description=ENTITIES)
    keywords: list[str] | None = Field(None, description=KEYWORDS)
    paths: list[str] | None = Field(
        None,
        description="Code only: files under a folder (src/*), of an extension (*.py), both (src/*.py), "
        "or one file or folder by its path",
    )

    def as_written(self) -> Filters | None:
        """The filters given, unchecked and as written (None: none given)."""
        values = self.model_dump()
        return Filters(**values) if any(v for v in values.values()) else None

    def to_filters(self) -> Filters | None:
        written = self.as_written()
        # a bad date or label is a 400 now, not an error in the middle of a streamed answer
        return normalize_filters(written) if written is not None else None


class TableRowOut(BaseModel):
    food_id: str
    name: str | None = None
    source_table: str | None = None
    source_row: str | None = None


class QuoteOut(BaseModel):
    quote: str = Field(description="The sentence of the media one [n] of the answer quotes")
    start_s: float | None = Field(description="Second where it is said or shown")
    end_s: float | None
    page: int | None = Field(description="Page or slide number (documents)")


class CitationOut(BaseModel):
    n: int = Field(description="The number the answer cites it by, as [n]")
    media_id: str
    segment_id: str
    filename: str
    kind: str
    modality: str
    start_s: float | None = Field(description="Second where the quoted words are said or shown")
    end_s: float | None
    page: int | None = Field(description="Page or slide number (documents)")
    quote: str = Field(description="The sentence of the media the claim rests on")
    path: str | None = Field(None, description="Code: the file's path in its repository")
    line_start: int | None = Field(None, description="Code: the cited code's first line (1-based)")
    line_end: int | None = Field(None, description="Code: the cited code's last line, included")
    symbol: str | None = Field(None, description="Code: the function, method or class cited")
    cite: str | None = Field(None, description="Code: path:line_start-line_end, as the answer cites it")
    table_rows: list[TableRowOut] = Field(
        default_factory=list,
        description="Food table rows the claim rests on (a nutrition source; GET /v1/foods/{food_id})",
    )
    quotes: list[QuoteOut] = Field(
        default_factory=list,
        description="The sentence each [n] of the answer quotes, in the answer's order (the first is "
        "`quote`): two sentences quoted from one source each have their own second or page",
    )


class AskOut(BaseModel):
    answer: str
    citations: list[CitationOut]
    model: str = Field(description="Answer model id, e.g. extractive or openai:gpt-4o-mini")
    found: bool = Field(description="False when nothing in your media answered the question")
    dropped_citations: int = Field(description="Invented citation numbers removed from the answer")
    search_question: str | None = Field(None, description="The standalone question retrieval used")


def filters(body: FiltersIn | None) -> Filters | None:
    return body.to_filters() if body else None


def ask_out(answer: rag.Answer) -> AskOut:
    return AskOut(
        answer=answer.answer,
        citations=[CitationOut(**c.as_json()) for c in answer.citations],
        model=answer.model,
        found=answer.found,
        dropped_citations=answer.dropped_citations,
        search_question=answer.search_question,
    )


class Answering(Protocol):
    """An answer being written: iterate for its text chunks, then ``result()`` for all of it."""

    def __iter__(self) -> Iterator[str]: ...

    def result(self) -> rag.Answer: ...


def respond(answering: Answering, stream: bool) -> Any:
    """The answer streamed as server-sent events, or, read to its end, as one ``AskOut``."""
    if stream:
        return _sse(answering)
    for _ in answering:
        pass
    return ask_out(answering.result())


def _sse(answering: Answering) -> StreamingResponse:
    def events() -> Iterator[str]:
        try:
            for chunk in answering:
                yield _event("token", {"text": chunk})
            out = ask_out(answering.result())
        except MediasiftError as exc:
            yield _event("error", exc.to_dict())
            return
        yield _event("citations", [c.model_dump() for c in out.citations])
        yield _event("done", out.model_dump(exclude={"citations"}))

    # no-cache and no proxy buffering: tokens should reach the reader as they are written
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events(), media_type="text/event-stream", headers=headers)


def _event(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False, default=str)}\n\n"
