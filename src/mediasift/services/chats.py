"""Conversations with one's media: chats and their turns, stored per tenant in the catalog.

A follow-up ("and on Sundays?") is rewritten into a standalone question from the chat's history
before retrieval — by the answer model itself when it is an LLM, by a heuristic when extractive —
and both the words the user wrote and the rewritten question are kept with the turn.

A chat belongs to one tenant: another tenant's chat id is "not found", never a different error.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from ulid import ULID

from mediasift.answer.base import AnswerModel, Prompt
from mediasift.answer.factory import get_answer_model
from mediasift.catalog.models import Chat, ChatMessage, utcnow
from mediasift.domain import Filters
from mediasift.errors import NotFound
from mediasift.services import ask as rag

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mediasift.runtime import Runtime

HISTORY_TURNS = 6  # messages of history shown to the rewriter
REWRITE_SYSTEM = (
    "Rewrite the user's last message as one standalone question that can be understood without the "
    "conversation, keeping its language. Reply with the question only."
)


def create_chat(
    rt: Runtime, tenant_id: str, title: str | None = None, filters: Filters | None = None
) -> Chat:
    with rt.catalog.session() as s:
        chat = Chat(
            id=str(ULID()),
            tenant_id=tenant_id,
            title=(title or None),
            filters=asdict(filters) if filters else {},
        )
        s.add(chat)
        s.flush()
        return chat


def get_chat(rt: Runtime, tenant_id: str, chat_id: str) -> tuple[Chat, list[ChatMessage]]:
    """The chat and its messages, oldest first."""
    with rt.catalog.session() as s:
        chat = _chat(s, tenant_id, chat_id)
        return chat, _messages(s, tenant_id, chat_id)


def post_message(
    rt: Runtime, tenant_id: str, chat_id: str, content: str, filters: Filters | None = None
) -> tuple[rag.Answer, list[ChatMessage]]:
    """Ask within a chat: the answer, and the two messages (user, assistant) now stored."""
    stream = post_message_stream(rt, tenant_id, chat_id, content, filters)
    for _ in stream:
        pass
    return stream.result(), stream.stored


def post_message_stream(
    rt: Runtime, tenant_id: str, chat_id: str, content: str, filters: Filters | None = None
) -> ChatTurn:
    model = get_answer_model(rt.models, rt.settings)
    with rt.catalog.session() as s:
        chat = _chat(s, tenant_id, chat_id)
        history = [(m.role, m.rewritten or m.content) for m in _messages(s, tenant_id, chat_id)]
        chat_filters = Filters(**chat.filters) if chat.filters else None
    standalone = rewrite(model, content, history)
    stream = rag.ask_stream(
        rt, tenant_id, content, filters or chat_filters, search_question=standalone, model=model
    )
    return ChatTurn(rt, tenant_id, chat_id, stream)


class ChatTurn:
    """Streams an answer in a chat; when the stream ends, both messages are stored."""

    def __init__(self, rt: Runtime, tenant_id: str, chat_id: str, stream: rag.AnswerStream) -> None:
        self._rt, self._tenant_id, self._chat_id, self._stream = rt, tenant_id, chat_id, stream
        self.stored: list[ChatMessage] = []

    def __iter__(self) -> Iterator[str]:
        yield from self._stream
        self.stored = _store_turn(self._rt, self._tenant_id, self._chat_id, self._stream.result())

    def result(self) -> rag.Answer:
        return self._stream.result()


def rewrite(model: AnswerModel, question: str, history: list[tuple[str, str]]) -> str:
    """``question`` as a standalone question, given ``history`` ((role, text), oldest first)."""
    history = history[-HISTORY_TURNS:]
    if not any(role == "user" for role, _ in history):
        return question
    lines = [f"{'User' if role == 'user' else 'Assistant'}: {_plain(text)}" for role, text in history]
    prompt = Prompt(
        system=REWRITE_SYSTEM,
        user="Conversation:\n" + "\n".join(lines) + f"\n\nLast message: {question}",
        question=question,
        task="rewrite",
        history=history,
    )
    rewritten = model.generate(prompt, max_tokens=100).strip().splitlines()
    standalone = rewritten[0].strip() if rewritten else ""
    return standalone[: rag.MAX_QUESTION_CHARS] or question


def message_dict(m: ChatMessage) -> dict[str, Any]:
    return {
        "id": m.id,
        "role": m.role,
        "content": m.content,
        "rewritten_question": m.rewritten,
        "citations": m.citations or [],
        "model": m.model,
        "created_at": m.created_at,
    }


def _plain(text: str) -> str:
    """A history line for the rewriter: citation markers out, long answers cut."""
    cleaned, _ = rag.clean_citations(text, set())
    return " ".join(cleaned.split())[:400]


def _chat(s: Session, tenant_id: str, chat_id: str) -> Chat:
    chat = s.get(Chat, chat_id)
    if chat is None or chat.tenant_id != tenant_id:
        raise NotFound(f"chat {chat_id} not found")
    return chat


def _messages(s: Session, tenant_id: str, chat_id: str) -> list[ChatMessage]:
    q = select(ChatMessage).where(ChatMessage.tenant_id == tenant_id, ChatMessage.chat_id == chat_id)
    return list(s.scalars(q.order_by(ChatMessage.created_at, ChatMessage.id)))


def _store_turn(rt: Runtime, tenant_id: str, chat_id: str, answer: rag.Answer) -> list[ChatMessage]:
    # The answer is stamped a microsecond after its question, so the pair always sorts in order.
    now = utcnow()
    question = ChatMessage(
        created_at=now,
        id=str(ULID()),
        chat_id=chat_id,
        tenant_id=tenant_id,
        role="user",
        content=answer.question,
        rewritten=answer.search_question,
        citations=[],
    )
    reply = ChatMessage(
        created_at=now + timedelta(microseconds=1),
        id=str(ULID()),
        chat_id=chat_id,
        tenant_id=tenant_id,
        role="assistant",
        content=answer.answer,
        citations=[c.as_json() for c in answer.citations],
        model=answer.model,
    )
    with rt.catalog.session() as s:
        chat = _chat(s, tenant_id, chat_id)
        if not chat.title:
            chat.title = answer.question[:200]
        s.add_all([question, reply])
        s.flush()
    return [question, reply]
