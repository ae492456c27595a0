"""Nutrition results as sources for ``ask``: "How many calories…?", "¿qué ingredientes…?",
"which of my recipes has the most protein?".

A question about nutrients or ingredients (``nutrition.facts.read_question``) gets, besides what
search found, one source per sentence of the analysed media's results (corrections applied):
totals and per serving, each food with its amount, nutrients, seconds and table row, the
ingredients; a question that ranks ("the most", "más") gets one sentence ranking every analysed
media in scope. Each is a ``Hit`` of modality ``nutrition`` whose ``start_s`` is the second its
food is first said, shown or seen and whose ``meta["table_rows"]`` are the food table rows it
rests on, so a citation of it points to both. Any answerer can use them: the extractive one quotes
them, an LLM reads them numbered like any other source.

Which media: those the question is narrowed to (``media_ids``, else ``collections``); without
that, the analysed media among the search's sources, else the only analysed media in scope; a
ranking takes every analysed media in scope.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mediasift.catalog import nutrition as nutrition_rows
from mediasift.domain import Filters, Hit
from mediasift.nutrition import load_food_table
from mediasift.nutrition.corrections import apply_corrections
from mediasift.nutrition.facts import Fact, NutritionQuestion, media_facts, ranking_fact, read_question

if TYPE_CHECKING:
    from mediasift.catalog.models import Media, MediaNutrition
    from mediasift.runtime import Runtime

MODALITY = "nutrition"
MAX_MEDIA = 2  # media described sentence by sentence for one question
MAX_RANKED = 200


def nutrition_sources(
    rt: Runtime, tenant_id: str, question: str, filters: Filters | None, found: Sequence[Hit]
) -> list[Hit]:
    """Sources from the nutrition results the question asks about; ``[]`` when it asks nothing
    of them or no media in scope has been analysed."""
    asked = read_question(question)
    if asked is None:
        return []
    analysed = _in_scope(rt, tenant_id, asked, filters, found)
    if not analysed:
        return []
    table = load_food_table()
    shown = [(media, apply_corrections(row.results, row.corrections or {}, table)) for row, media in analysed]
    if asked.ranking:
        fact = ranking_fact([(m.id, m.filename, r) for m, r in shown], asked)
        facts = [fact] if fact else []
        by_id = {m.id: m for m, _ in shown}
        return [_hit(f, by_id[f.media_id], i) for i, f in enumerate(facts)]
    hits: list[Hit] = []
    for media, results in shown[:MAX_MEDIA]:
        for fact in media_facts(media.id, media.filename, results, asked):
            hits.append(_hit(fact, media, len(hits)))
    return hits


def _in_scope(
    rt: Runtime, tenant_id: str, asked: NutritionQuestion, filters: Filters | None, found: Sequence[Hit]
) -> list[tuple[MediaNutrition, Media]]:
    media_ids = filters.media_ids if filters else None
    collections = filters.collections if filters else None
    with rt.catalog.read_session() as s:
        if not nutrition_rows.has_analysed_media(s, tenant_id):
            return []  # the common case for a tenant without food media: one indexed lookup
        if asked.ranking or media_ids:
            return nutrition_rows.analysed_media(
                s, tenant_id, media_ids=media_ids, collections=collections, limit=MAX_RANKED
            )
        hit_ids = list(dict.fromkeys(h.media_id for h in found))
        if hit_ids:
            rows = nutrition_rows.analysed_media(s, tenant_id, media_ids=hit_ids, collections=collections)
            if rows:
                order = {media_id: i for i, media_id in enumerate(hit_ids)}
                return sorted(rows, key=lambda pair: order[pair[1].id])[:MAX_MEDIA]
        every = nutrition_rows.analysed_media(s, tenant_id, collections=collections, limit=2)
    return every if len(every) == 1 else []


def _hit(fact: Fact, media: Media, n: int) -> Hit:
    meta: dict[str, Any] = {"table_rows": fact.table_rows}
    return Hit(
        segment_id=f"nutrition:{media.id}:{n}",
        media_id=media.id,
        filename=media.filename,
        kind=media.kind or "",
        modality=MODALITY,
        text=fact.text,
        start_s=fact.start_s,
        end_s=fact.end_s,
        collection=media.collection,
        meta=meta,
    )
