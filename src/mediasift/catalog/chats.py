"""Chats and their messages (``services/chats.py``); another tenant's chat is "not found"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Text, cast, delete, select
from sqlalchemy.orm import Session
from ulid import ULID

from mediasift.catalog.models import Chat, ChatMessage, utcnow
from mediasift.errors import NotFound


def add_chat(
    s: Session, tenant_id: str, title: str | None, filters: dict[str, Any], user_id: str | None = None
) -> Chat:
    chat = Chat(id=str(ULID()), tenant_id=tenant_id, user_id=user_id, title=title, filters=filters)
    s.add(chat)
    s.flush()
    return chat


def get_chat(s: Session, tenant_id: str, chat_id: str, user_id: str | None = None) -> Chat:
    """The chat, if it is ``user_id``'s (None: a chat of no user); another's is not found."""
    chat = s.get(Chat, chat_id)
    if chat is None or chat.tenant_id != tenant_id or chat.user_id != user_id:
        raise NotFound(f"chat {chat_id} not found")
    return chat


def list_chats(s: Session, tenant_id: str, user_id: str | None, limit: int, offset: int = 0) -> list[Chat]:
    """``user_id``'s chats (None: those of no user), the last active first."""
    owner = Chat.user_id.is_(None) if user_id is None else Chat.user_id == user_id
    q = select(Chat).where(Chat.tenant_id == tenant_id, owner)
    return list(s.scalars(q.order_by(Chat.updated_at.desc(), Chat.id.desc()).limit(limit).offset(offset)))


def delete_chats(s: Session, tenant_id: str, chat_ids: list[str]) -> int:
    """The chats and their messages; how many chats went."""
    if not chat_ids:
        return 0
    s.execute(
        delete(ChatMessage).where(ChatMessage.tenant_id == tenant_id, ChatMessage.chat_id.in_(chat_ids))
    )
    result = s.execute(delete(Chat).where(Chat.tenant_id == tenant_id, Chat.id.in_(chat_ids)))
    return result.rowcount or 0  # type: ignore[attr-defined]


def user_chat_ids(s: Session, tenant_id: str, user_id: str) -> list[str]:
    return list(s.scalars(select(Chat.id).where(Chat.tenant_id == tenant_id, Chat.user_id == user_id)))


FORGOTTEN = "(This answer quoted a media that has been deleted; it is no longer shown.)"


def forget_media(s: Session, tenant_id: str, media_id: str) -> int:
    """Answers that quoted ``media_id`` no longer say what it said: the media is deleted, and its
    words go from the chats with it. Returns how many answers were emptied."""
    # A media id (a ULID) found in the citations' JSON is that media's: no other field holds one.
    cited = select(ChatMessage).where(
        ChatMessage.tenant_id == tenant_id,
        ChatMessage.role == "assistant",
        cast(ChatMessage.citations, Text).contains(media_id),
    )
    count = 0
    for message in s.scalars(cited):
        if any(c.get("media_id") == media_id for c in message.citations or []):
            message.content, message.citations = FORGOTTEN, []
            count += 1
    return count


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
    filters: dict[str, Any] | None = None,
) -> list[ChatMessage]:
    """Store the user's message (with ``filters``, the narrowing the turn gave, as written) and
    the assistant's answer; an untitled chat takes the question as its title. Returns both
    messages, question first."""
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
        filters=filters or None,
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
    chat.updated_at = now  # the chats list puts the last active first
    s.add_all([asked, answered])
    s.flush()
    return [asked, answered]
