"""/v1/chats: conversations with one's media; a follow-up is rewritten with the history first.

A turn's answer has ``/v1/ask``'s shape and can be streamed the same way (``api/answers.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from mediasift.api.answers import ERRORS, AskOut, CitationOut, FiltersIn, StreamQuery, filters, respond
from mediasift.api.deps import RuntimeDep, TenantDep
from mediasift.services import ask as rag
from mediasift.services import chats

# Tagged "ask" as they always were: the API reference lists chats with the question they extend.
router = APIRouter(tags=["ask"])


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


@router.post("/v1/chats", response_model=ChatOut, status_code=201, responses=ERRORS, summary="Start a chat")
def create_chat(rt: RuntimeDep, tenant: TenantDep, body: ChatIn | None = None) -> ChatOut:
    body = body or ChatIn()
    chat = chats.create_chat(rt, tenant, body.title, filters(body.filters))
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
    turn = chats.post_message_stream(rt, tenant, chat_id, body.content, filters(body.filters))
    return respond(turn, stream)
