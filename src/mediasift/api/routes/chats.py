"""/v1/chats: conversations with one's media; a follow-up is rewritten with the history first.

A turn's answer has ``/v1/ask``'s shape and can be streamed the same way (``api/answers.py``). A
chat is its user's (the key's user, else ``X-Mediasift-User``): another user's chat is not found.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from mediasift.api.answers import (
    ERRORS,
    STREAMED,
    AskOut,
    CitationOut,
    FiltersIn,
    StreamQuery,
    filters,
    respond,
)
from mediasift.api.deps import OptionalUserDep, PrincipalDep, RuntimeDep, TenantDep
from mediasift.errors import Forbidden
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
    filters: dict[str, Any] | None = Field(
        None,
        description="A question's own narrowing, as given with it (it replaced the chat's field by "
        "field for that turn); null for a turn that gave none, and for answers",
    )


_CHAT_FILTERS = "The narrowing applied to every turn, as given when the chat was started (only those given)"


class ChatOut(BaseModel):
    id: str
    title: str | None
    created_at: datetime
    messages: list[MessageOut]
    filters: dict[str, Any] = Field(default_factory=dict, description=_CHAT_FILTERS)


class ChatSummaryOut(BaseModel):
    id: str
    title: str | None
    created_at: datetime
    updated_at: datetime = Field(description="When its last turn was asked")
    filters: dict[str, Any] = Field(default_factory=dict, description=_CHAT_FILTERS)


class ChatsOut(BaseModel):
    chats: list[ChatSummaryOut] = Field(description="The user's chats, the last active first")


@router.post("/v1/chats", response_model=ChatOut, status_code=201, responses=ERRORS, summary="Start a chat")
def create_chat(
    rt: RuntimeDep, tenant: TenantDep, user: OptionalUserDep, body: ChatIn | None = None
) -> ChatOut:
    body = body or ChatIn()
    written = body.filters.as_written() if body.filters else None
    chat = chats.create_chat(rt, tenant, body.title, written, user)
    return ChatOut(
        id=chat.id, title=chat.title, created_at=chat.created_at, messages=[], filters=chat.filters or {}
    )


@router.get("/v1/chats", response_model=ChatsOut, responses=ERRORS, summary="The user's chats")
def list_chats(
    rt: RuntimeDep,
    tenant: TenantDep,
    user: OptionalUserDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ChatsOut:
    found = chats.list_chats(rt, tenant, user, limit, offset)
    return ChatsOut(
        chats=[
            ChatSummaryOut(
                id=c.id,
                title=c.title,
                created_at=c.created_at,
                updated_at=c.updated_at,
                filters=c.filters or {},
            )
            for c in found
        ]
    )


@router.get("/v1/chats/{chat_id}", response_model=ChatOut, responses=ERRORS, summary="A chat and its turns")
def get_chat(rt: RuntimeDep, tenant: TenantDep, user: OptionalUserDep, chat_id: str) -> ChatOut:
    chat, messages = chats.get_chat(rt, tenant, chat_id, user)
    return ChatOut(
        id=chat.id,
        title=chat.title,
        created_at=chat.created_at,
        messages=[MessageOut(**chats.message_dict(m)) for m in messages],
        filters=chat.filters or {},
    )


@router.delete(
    "/v1/chats/{chat_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=ERRORS,
    summary="Delete a chat and its turns",
)
def delete_chat(
    rt: RuntimeDep, tenant: TenantDep, user: OptionalUserDep, principal: PrincipalDep, chat_id: str
) -> Response:
    # Starting and continuing a chat is asking, a read. Deleting one is a write, except a user's
    # own chat by a key of that user: a chat without a user is the tenant's, and a user a request
    # names in X-Mediasift-User is not proof of who asks.
    if not (principal.has("write") or principal.key_user):
        raise Forbidden("deleting a chat needs the 'write' scope, or a key of the chat's own user")
    chats.delete_chat(rt, tenant, chat_id, user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/v1/chats/{chat_id}/messages",
    response_model=AskOut,
    responses=STREAMED,
    summary="Ask within a chat (follow-ups are rewritten with the history first)",
)
def post_message(
    rt: RuntimeDep,
    tenant: TenantDep,
    user: OptionalUserDep,
    chat_id: str,
    body: MessageIn,
    stream: StreamQuery = False,
) -> Any:
    written = body.filters.as_written() if body.filters else None
    turn = chats.post_message_stream(rt, tenant, chat_id, body.content, filters(body.filters), user, written)
    return respond(turn, stream)
