"""Chats and their messages (``services/chats.py``); another tenant's chat is "not found"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from ulid import ULID

from mediasift.catalog.models import Chat, ChatMessage, utcnow
from mediasift.errors import NotFound


def add_chat(s: Session, tenant_id: str, title: str | None, filters: dict[str, Any]) -> Chat:
    chat = Chat(id=str(ULID()), tenant_id=tenant_id, title=title, filters=filters)
    s.add(chat)
    s.flush()
    return chat


def get_chat(s: Session, tenant_id: str, chat_id: str) -> Chat:
    chat = s.get(Chat, chat_id)
    if chat is None or chat.tenant_id != tenant_id:
        raise NotFound(f"chat {chat_id} not found")
    return chat


def chat_messages(s: Session, tenant_id: str, chat_id: str) -> list[ChatMessage]:
    """The chat's messages, oldest first."""
    q = select(ChatMessage).where(ChatMessage.tenant_id == tenant_id, ChatMessage.chat_id == chat_id)
    return list(s.scalars(q.order_by(ChatMessage.created_at, ChatMessage.id)))


def add_turn(
    s: Session,
    chat: Chat,
    *,
    question: str,
    rewritten: str | None,
    answer: str,
    citations: list[dict[str, Any]],
    model: str | None,
) -> list[ChatMessage]:
    """Store the user's message and the assistant's answer; an untitled chat takes the question
    as its title. Returns both messages, question first."""
    # The answer is stamped a microsecond after its question, so the pair always sorts in order.
    now = utcnow()
    common = {"chat_id": chat.id, "tenant_id": chat.tenant_id}
    asked = ChatMessage(
        id=str(ULID()),
        created_at=now,
        role="user",
        content=question,
        rewritten=rewritten,
        citations=[],
        **common,
    )
    answered = ChatMessage(
        id=str(ULID()),
        created_at=now + timedelta(microseconds=1),
        role="assistant",
        content=answer,
        citations=citations,
        model=model,
        **common,
    )
    if not chat.title:
        chat.title = question[:200]
    s.add_all([asked, answered])
    s.flush()
    return [asked, answered]
