"""Conversations with one's media: chats and their turns, stored per tenant in the catalog.

A follow-up ("and on Sundays?") is rewritten into a standalone question from the chat's history
before retrieval — by the answer model itself when it is an LLM, by a heuristic when extractive —
and both the words the user wrote and the rewritten question are kept with the turn.

A chat belongs to one tenant: another tenant's chat id is "not found", never a different error.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, fields, replace
from typing import TYPE_CHECKING, Any

from mediasift.answer.base import AnswerModel, Prompt
from mediasift.answer.extractive import keep_end, short_only
from mediasift.answer.factory import get_answer_model
from mediasift.catalog import chats as repo
from mediasift.domain import Filters
from mediasift.services import ask as rag
from mediasift.services.search import normalize_filters

if TYPE_CHECKING:
    from mediasift.catalog.models import Chat, ChatMessage
    from mediasift.runtime import Runtime

HISTORY_TURNS = 6  # messages of history shown to the rewriter
REWRITE_SYSTEM = (
    "Rewrite the user's last message as one standalone question that can be understood without the "
    "conversation, keeping its language. Reply with the question only."
)


def create_chat(
    rt: Runtime,
    tenant_id: str,
    title: str | None = None,
    filters: Filters | None = None,
    user_id: str | None = None,
) -> Chat:
    """A new chat of ``user_id`` (None: of no user), narrowed to ``filters`` on every turn: kept as
    written (``Chat.filters``, what the chat shows), checked now as a search checks them."""
    if filters is not None:
        normalize_filters(filters)  # a bad label or date is refused now, not at the first turn
    written = as_given(filters) or {}
    with rt.catalog.session() as s:
        return repo.add_chat(s, tenant_id, title or None, written, user_id)


def get_chat(
    rt: Runtime, tenant_id: str, chat_id: str, user_id: str | None = None
) -> tuple[Chat, list[ChatMessage]]:
    """The chat and its messages, oldest first; another user's chat is not found."""
    with rt.catalog.read_session() as s:
        chat = repo.get_chat(s, tenant_id, chat_id, user_id)
        return chat, repo.chat_messages(s, tenant_id, chat_id)


def list_chats(rt: Runtime, tenant_id: str, user_id: str | None, limit: int, offset: int = 0) -> list[Chat]:
    with rt.catalog.read_session() as s:
        return repo.list_chats(s, tenant_id, user_id, limit, offset)


def delete_chat(rt: Runtime, tenant_id: str, chat_id: str, user_id: str | None = None) -> None:
    with rt.catalog.session() as s:
        repo.get_chat(s, tenant_id, chat_id, user_id)
        repo.delete_chats(s, tenant_id, [chat_id])


def post_message(
    rt: Runtime,
    tenant_id: str,
    chat_id: str,
    content: str,
    filters: Filters | None = None,
    user_id: str | None = None,
) -> tuple[rag.Answer, list[ChatMessage]]:
    """Ask within a chat: the answer, and the two messages (user, assistant) now stored."""
    stream = post_message_stream(rt, tenant_id, chat_id, content, filters, user_id)
    for _ in stream:
        pass
    return stream.result(), stream.stored


def post_message_stream(
    rt: Runtime,
    tenant_id: str,
    chat_id: str,
    content: str,
    filters: Filters | None = None,
    user_id: str | None = None,
    written: Filters | None = None,
) -> ChatTurn:
    """A turn's answer as a stream; the turn is stored when it ends. ``filters`` (checked) narrow
    this turn over the chat's, field by field; ``written``, the same as the client wrote them,
    are stored with the question (``filters`` when not given)."""
    model = get_answer_model(rt.models, rt.settings)
    with rt.catalog.session() as s:
        chat = repo.get_chat(s, tenant_id, chat_id, user_id)
        # The words each turn was written in: a rewritten question already holds the ones before
        # it, and joining those again made every follow-up ask the whole chat.
        history = [(m.role, m.content) for m in repo.chat_messages(s, tenant_id, chat_id)]
        chat_filters = Filters(**chat.filters) if chat.filters else None
    within = _within(chat_filters, filters)
    standalone = rewrite(model, content, history)
    if standalone != content and model.id == "extractive" and short_only(content):
        # Joined for being short alone: asked alone first, it stands alone where its media answer
        # it ("What was polished on the lighthouse?" after a question on irrigation had been
        # answered with the irrigation schedule).
        alone = rag.ask_stream(rt, tenant_id, content, within, model=model)
        if alone.has_sources:
            return ChatTurn(rt, tenant_id, chat_id, alone, user_id, as_given(written or filters))
    stream = rag.ask_stream(rt, tenant_id, content, within, search_question=standalone, model=model)
    return ChatTurn(rt, tenant_id, chat_id, stream, user_id, as_given(written or filters))


def as_given(filters: Filters | None) -> dict[str, Any] | None:
    """The fields ``filters`` sets, as stored with a chat or a turn (None: none)."""
    given = {key: value for key, value in asdict(filters).items() if value is not None} if filters else {}
    return given or None


def _within(chat: Filters | None, turn: Filters | None) -> Filters | None:
    """The chat's filters with those a turn gives in their place, field by field: a turn naming a
    language keeps the chat's collections (replacing them all had widened the chat unasked)."""
    if turn is None or chat is None:
        return turn or chat
    given = {f.name: getattr(turn, f.name) for f in fields(turn) if getattr(turn, f.name) is not None}
    return replace(chat, **given)


class ChatTurn:
    """Streams an answer in a chat; when the stream ends, both messages are stored."""

    def __init__(
        self,
        rt: Runtime,
        tenant_id: str,
        chat_id: str,
        stream: rag.AnswerStream,
        user_id: str | None = None,
        filters: dict[str, Any] | None = None,
    ) -> None:
        self._rt, self._tenant_id, self._chat_id, self._stream = rt, tenant_id, chat_id, stream
        self._user_id, self._filters = user_id, filters
        self.stored: list[ChatMessage] = []

    def __iter__(self) -> Iterator[str]:
        yield from self._stream
        self.stored = _store_turn(
            self._rt, self._tenant_id, self._chat_id, self._stream.result(), self._user_id, self._filters
        )

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
    # Too long, its end stays: a model's rewrite (or the extractive join) ends on the new question.
    return keep_end(standalone, rag.MAX_QUESTION_CHARS) or question


def message_dict(m: ChatMessage) -> dict[str, Any]:
    return {
        "id": m.id,
        "role": m.role,
        "content": m.content,
        "rewritten_question": m.rewritten,
        "citations": m.citations or [],
        "model": m.model,
        "created_at": m.created_at,
        "filters": m.filters,
    }


def _plain(text: str) -> str:
    """A history line for the rewriter: citation markers out, long answers cut."""
    cleaned, _ = rag.clean_citations(text, set())
    return " ".join(cleaned.split())[:400]


def _store_turn(
    rt: Runtime,
    tenant_id: str,
    chat_id: str,
    answer: rag.Answer,
    user_id: str | None,
    filters: dict[str, Any] | None = None,
) -> list[ChatMessage]:
    with rt.catalog.session() as s:
        return repo.add_turn(
            s,
            repo.get_chat(s, tenant_id, chat_id, user_id),
            question=answer.question,
            rewritten=answer.search_question,
            answer=answer.answer,
            citations=[c.as_json() for c in answer.citations],
            model=answer.model,
            filters=filters,
        )
