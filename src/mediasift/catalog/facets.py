"""Facet counts: how many of a tenant's ready media carry each label, entity, keyword, language or
kind, fall in each quality band, or were marked down for each quality measure.

Labels, entities and keywords are JSON arrays in ``media_enrichment``. A date entity is counted
only where it names a day, a month or a year (``facet_worthy``). Counting inside them in SQL
needs one query for SQLite (``json_each``) and another for PostgreSQL (``jsonb_array_elements``),
so the tenant's rows are read, only the columns a facet needs, and counted here in Python.
``MAX_MEDIA`` bounds that read: past it the most recently added media are counted and the answer
says so (``truncated``). Values are encoded as index points carry them and search filters name
them (``domain.label_term``/``entity_term``/``keyword_term``), so a facet is a filter as it is.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mediasift.catalog.models import Media, MediaEnrichment
from mediasift.domain import (
    Filters,
    MediaStatus,
    added_bounds,
    entity_term,
    epoch_seconds,
    keyword_term,
    label_term,
    loose_term,
    with_loose_terms,
)

FIELDS = ("labels", "entities", "keywords", "language", "kind", "quality", "quality_reasons")
_QUALITY_FIELDS = ("quality", "quality_reasons")
QUALITY_BAND = 0.2  # "quality" counts media per band of this width, named by its lower end
# A tenant's media read for one count: enough for any catalog we serve from one instance, and
# a ceiling on the memory and time of one request (rows are narrow: the facet's column only).
MAX_MEDIA = 100_000
_ABOUT = {
    "labels": MediaEnrichment.labels,
    "entities": MediaEnrichment.entities,
    "keywords": MediaEnrichment.keywords,
}


@dataclass(frozen=True, slots=True)
class FacetCounts:
    """``values`` as ``(value, media)`` pairs, most media first then by value; ``media`` is how many
    media matched the filters; ``truncated`` when more than ``MAX_MEDIA`` were ready to count;
    ``distinct`` how many values were found, ``values`` holding the first ``limit`` of them."""

    values: list[tuple[str, int]]
    media: int
    truncated: bool
    distinct: int = 0  # values found in all, of which ``values`` holds the first ``limit``


def count_facet(
    s: Session,
    tenant_id: str,
    field: str,
    filters: Filters | None = None,
    *,
    limit: int = 20,
    keywords_per_media: int | None = None,
) -> FacetCounts:
    """Count the tenant's ready media per value of ``field`` (one of ``FIELDS``), each media once per
    value, among media matching ``filters`` (already normalised: ``services.search.normalize_filters``).
    ``keywords_per_media`` counts only a media's first keywords, those its index points carry."""
    f = filters or Filters()
    about = [name for name in _ABOUT if name == field or getattr(f, name)]
    # the quality JSON is read only when counted or filtered on
    quality = Media.quality if field in _QUALITY_FIELDS or f.min_quality is not None else None
    q = select(
        Media.kind,
        Media.language,
        Media.created_at,
        MediaEnrichment.languages,
        *([] if quality is None else [quality]),
        *(_ABOUT[n] for n in about),
    )
    q = q.outerjoin(MediaEnrichment, MediaEnrichment.media_id == Media.id).where(
        Media.tenant_id == tenant_id, Media.status == MediaStatus.READY.value
    )
    if f.collections:
        q = q.where(Media.collection.in_(f.collections))
    if f.kinds:
        q = q.where(Media.kind.in_(f.kinds))
    if f.media_ids:
        q = q.where(Media.id.in_(f.media_ids))
    rows = s.execute(q.order_by(Media.created_at.desc(), Media.id.desc()).limit(MAX_MEDIA + 1)).all()
    after, before = added_bounds(f)
    counts: Counter[str] = Counter()
    written: defaultdict[str, Counter[str]] = defaultdict(Counter)
    matched = 0
    for row in rows[:MAX_MEDIA]:
        kind, language, created_at, languages, *columns = row
        assessed = columns.pop(0) if quality is not None else None
        if f.min_quality is not None and _overall(assessed) < f.min_quality:
            continue
        terms = _terms(kind, language, languages, dict(zip(about, columns, strict=True)), keywords_per_media)
        terms.update(_quality_terms(assessed))
        added = epoch_seconds(created_at)
        if (after is not None and added < after) or (before is not None and added > before):
            continue
        if not _matches(terms, f):
            continue
        matched += 1
        counted = {t for t in terms[field] if field != "entities" or facet_worthy(t)}
        if field in _ABOUT:
            # "Ana Botín" and "Ana Botin" are one value, named as most media write it
            counted = {loose_term(t) for t in counted}
            for t in terms[field]:
                written[loose_term(t)][t] += 1
        counts.update(counted)
    if written:
        counts = Counter({_most_written(written[t]): n for t, n in counts.items()})
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return FacetCounts(ranked[:limit], matched, len(rows) > MAX_MEDIA, len(ranked))


# A DATE entity is a facet where it names a day, a month or a year; how long ("90 minutes", "diez
# minutos"), how often ("every day", "annual"), when in a day ("midnight", "22:40") and relative
# dates ("this year", "a summer") fill the list in every lesson and recipe and narrow nothing.
# They stay entities (the media's report lists them, a filter finds them): only not counted here.
_CALENDAR = re.compile(
    r"\b(?:1[0-9]{3}|20[0-9]{2})\b|\b\d{1,2}[/-]\d{1,2}(?:[/-]\d{2,4})?\b|\b(?:"  # not "10.30": a time
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|"
    r"diciembre|mondays?|tuesdays?|wednesdays?|thursdays?|fridays?|saturdays?|sundays?|lunes|martes|"
    r"miércoles|miercoles|jueves|viernes|sábados?|sabados?|domingos?)\b"
)


def facet_worthy(term: str) -> bool:
    """Whether an entity term (``domain.entity_term``) is counted as a facet: any but a DATE that
    names no day, month or year."""
    kind, _, text = term.partition(":")
    return kind != "DATE" or _CALENDAR.search(text) is not None


def _terms(
    kind: str | None,
    language: str | None,
    languages: Sequence[str] | None,
    about: Mapping[str, Sequence[Mapping[str, Any]] | None],
    keywords_per_media: int | None,
) -> dict[str, set[str]]:
    keywords = list(about.get("keywords") or [])[:keywords_per_media]
    return {
        "kind": {kind} if kind else set(),
        # Enrichment's languages (a mixed EN/ES video has both), else the one extraction found.
        "language": set(languages or ()) or ({language} if language else set()),
        "labels": {label_term(x["taxonomy"], x["label"]) for x in about.get("labels") or ()},
        "entities": {entity_term(x["type"], str(x["text"])) for x in about.get("entities") or ()},
        "keywords": {keyword_term(str(x["text"])) for x in keywords},
    }


def _most_written(forms: Counter[str]) -> str:
    return min(forms.items(), key=lambda item: (-item[1], item[0]))[0]


def _overall(quality: Mapping[str, Any] | None) -> float:
    """The overall score; -1 for a media never measured (below every ``min_quality``)."""
    overall = (quality or {}).get("overall")
    return float(overall) if isinstance(overall, int | float) else -1.0


def _quality_terms(quality: Mapping[str, Any] | None) -> dict[str, set[str]]:
    """``quality``: the band the score falls in, by its lower end ("0.8" holds 0.8 to 1.0: the
    ``min_quality`` that keeps it); ``quality_reasons``: the measures that lowered it. A media
    never measured has neither."""
    overall = _overall(quality)
    if overall < 0:
        return {"quality": set(), "quality_reasons": set()}
    bands = round(1 / QUALITY_BAND)
    band = min(int(overall * bands + 1e-9), bands - 1) / bands
    reasons = {str(r.get("measure")) for r in (quality or {}).get("reasons") or () if isinstance(r, dict)}
    return {"quality": {f"{band:.1f}"}, "quality_reasons": reasons}


def _matches(terms: Mapping[str, set[str]], f: Filters) -> bool:
    """Any value of one filter list, and every list given (as search filters points)."""
    wanted: Iterable[tuple[str, list[str] | None]] = (
        ("language", f.languages),
        ("labels", f.labels),
        ("entities", f.entities),
        ("keywords", f.keywords),
    )
    return all(
        not values or not set(with_loose_terms(terms[name])).isdisjoint(values) for name, values in wanted
    )
