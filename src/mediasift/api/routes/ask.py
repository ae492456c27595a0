"""/v1/ask (answers with citations, optionally streamed) and /v1/chats (conversations).

Streaming (``?stream=true``) is server-sent events::

    event: token       data: {"text": "The shop opens "}        (repeated; citations already checked)
    event: citations   data: [{"n": 1, "media_id": ..., "start_s": 14.0, ...}]
    event: done        data: {"answer": ..., "model": ..., "found": true, "dropped_citations": 0}

An error after the stream started arrives as ``event: error`` with ``{"code", "message"}``; one
before it (a provider that is down) is an ordinary JSON error response with its status.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from mediasift.api.deps import RuntimeDep, TenantDep
from mediasift.api.schemas import ErrorOut
from mediasift.domain import Filters
from mediasift.errors import MediasiftError
from mediasift.services import ask as rag
from mediasift.services import chats
from mediasift.services.search import normalize_dates

router = APIRouter(tags=["ask"])
ERRORS = {code: {"model": ErrorOut} for code in (400, 404, 422, 503)}
StreamQuery = Annotated[bool, Query(description="Answer as server-sent events (token, citations, done)")]


class FiltersIn(BaseModel):
    kinds: list[str] | None = Field(None, description="video, audio, image, document, text")
    collections: list[str] | None = None
    modalities: list[str] | None = Field(None, description="speech, ocr, text, frame, image, tag, note")
    media_ids: list[str] | None = None
    languages: list[str] | None = None
    metadata: dict[str, str] | None = Field(None, description="Exact match on media metadata, e.g. sku")
    added_after: str | None = Field(
        None, max_length=40, description="Only media added at or after this ISO 8601 date or date-time"
    )
    added_before: str | None = Field(
        None, max_length=40, description="Only media added at or before this date (whole day) or date-time"
    )

    def to_filters(self) -> Filters | None:
        values = self.model_dump()
        if not any(v for v in values.values()):
            return None
        # a bad date is a 400 now, not an error in the middle of a streamed answer
        return normalize_dates(Filters(**values))


class AskIn(BaseModel):
    question: str = Field(min_length=1, max_length=rag.MAX_QUESTION_CHARS)
    filters: FiltersIn | None = None


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


class AskOut(BaseModel):
    answer: str
    citations: list[CitationOut]
    model: str = Field(description="Answer model id, e.g. extractive or openai:gpt-4o-mini")
    found: bool = Field(description="False when nothing in your media answered the question")
    dropped_citations: int = Field(description="Invented citation numbers removed from the answer")
    search_question: str | None = Field(None, description="The standalone question retrieval used")


class ChatIn(BaseModel):
    title: str | None = Field(None, max_length=200)
    filters: FiltersIn | None = Field(None, description="Narrowing applied to every turn of the chat")


class MessageIn(BaseModel):
    content: str = Field(min_length=1, max_length=rag.MAX_QUESTION_CHARS, description="The question")
    filters: FiltersIn | None = None


class MessageOut(BaseModel):
    id: str
    role: str = Field(description="user | assistant")
    content: str
    rewritten_question: str | None
    citations: list[CitationOut]
    model: str | None
    created_at: datetime


class ChatOut(BaseModel):
    id: str
    title: str | None
    created_at: datetime
    messages: list[MessageOut]


def _ask_out(answer: rag.Answer) -> AskOut:
    return AskOut(
        answer=answer.answer,
        citations=[CitationOut(**c.as_json()) for c in answer.citations],
        model=answer.model,
        found=answer.found,
        dropped_citations=answer.dropped_citations,
        search_question=answer.search_question,
    )


def _filters(body: FiltersIn | None) -> Filters | None:
    return body.to_filters() if body else None


@router.post("/v1/ask", response_model=AskOut, responses=ERRORS, summary="Answer a question, with citations")
def ask(rt: RuntimeDep, tenant: TenantDep, body: AskIn, stream: StreamQuery = False) -> Any:
    answering = rag.ask_stream(rt, tenant, body.question, _filters(body.filters))
    if stream:
        return _sse(answering, answering.result)
    for _ in answering:
        pass
    return _ask_out(answering.result())


@router.post("/v1/chats", response_model=ChatOut, status_code=201, responses=ERRORS, summary="Start a chat")
def create_chat(rt: RuntimeDep, tenant: TenantDep, body: ChatIn | None = None) -> ChatOut:
    body = body or ChatIn()
    chat = chats.create_chat(rt, tenant, body.title, _filters(body.filters))
    return ChatOut(id=chat.id, title=chat.title, created_at=chat.created_at, messages=[])


@router.get("/v1/chats/{chat_id}", response_model=ChatOut, responses=ERRORS, summary="A chat and its turns")
def get_chat(rt: RuntimeDep, tenant: TenantDep, chat_id: str) -> ChatOut:
    chat, messages = chats.get_chat(rt, tenant, chat_id)
    return ChatOut(
        id=chat.id,
        title=chat.title,
        created_at=chat.created_at,
        messages=[MessageOut(**chats.message_dict(m)) for m in messages],
    )


@router.post(
    "/v1/chats/{chat_id}/messages",
    response_model=AskOut,
    responses=ERRORS,
    summary="Ask within a chat (follow-ups are rewritten with the history first)",
)
def post_message(
    rt: RuntimeDep, tenant: TenantDep, chat_id: str, body: MessageIn, stream: StreamQuery = False
) -> Any:
    turn = chats.post_message_stream(rt, tenant, chat_id, body.content, _filters(body.filters))
    if stream:
        return _sse(turn, turn.result)
    for _ in turn:
        pass
    return _ask_out(turn.result())


def _sse(chunks: Iterable[str], result: Any) -> StreamingResponse:
    def events() -> Iterator[str]:
        try:
            for chunk in chunks:
                yield _event("token", {"text": chunk})
            out = _ask_out(result())
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
