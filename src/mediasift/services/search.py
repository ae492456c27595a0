"""Search across everything a tenant has: keyword (BM25), text vectors and image vectors, fused.

The index finds the candidates: each list the search needs (keyword, text vector, image vector),
filtered by tenant and by every filter, the added-date window included, inside the engine.
``services/ranking.py`` fuses them by score and ranks what the catalog hydrates: tiny OCR fragments
dropped, a phrase bonus, modality priors, neighbours grouped into one hit per moment, then the best
re-scored by their best sentence's stored vector (hybrid). Hits are
hydrated from the catalog (the source of truth, so a deleted media never shows up); a speech hit
points at the second inside its chunk where the matching words are said, and any timed hit on a
video carries the keyframe on screen at that second as its thumbnail.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, fields, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from mediasift import meters
from mediasift.catalog import repo
from mediasift.catalog.hits import hit_rows
from mediasift.domain import (
    ENTITY_TYPES,
    IMAGE_SPACE,
    TEXT_SPACE,
    Filters,
    Hit,
    IndexHit,
    MediaKind,
    Modality,
    entity_term,
    keyword_term,
    label_term,
    path_filter_terms,
    user_metadata,
    with_loose_terms,
)
from mediasift.enrich.language import query_language
from mediasift.errors import InvalidRequest, UnknownValue
from mediasift.runtime import SEARCH_CACHE
from mediasift.services import personalize as personalize_hits
from mediasift.services import profiles, ranking
from mediasift.services.ranking import RankingParams
from mediasift.services.sentence_vectors import stored
from mediasift.text_form import searchable

if TYPE_CHECKING:
    from mediasift.index.base import Index
    from mediasift.runtime import Runtime


Mode = Literal["hybrid", "keyword", "vector"]
MAX_LIMIT = 200
MAX_QUERY_CHARS = 2000  # a text query's length, in characters
SEARCH_CACHE_TTL_S = 60.0
MAX_FILTER_VALUES = 100  # per label, entity or keyword list
# A longer search starts with the hits a search for the default limit returns. A search's candidate
# depth grows with its limit and each list is normalised over its depth, so the first hits of a
# search for 40 (the web UI's) would otherwise be ordered differently from a search for 10 (the
# CLI's and the API's default) in about a third of queries (docs/benchmarks.md, "The first results
# depend on the limit asked for").
FIRST_HITS = 10


def search(
    rt: Runtime,
    tenant_id: str,
    query: str | None = None,
    *,
    image: bytes | None = None,
    filters: Filters | None = None,
    limit: int = 10,
    mode: Mode = "hybrid",
    user_id: str | None = None,
    personalize: bool = True,
) -> list[Hit]:
    """The tenant's best hits for a text query, an image or both. With ``user_id`` (and
    ``personalize``) the hits are reordered for that user's profile (``services/personalize.py``):
    searched deeper, reordered, cut to ``limit``; each then carries its ``affinity``."""
    query = searchable((query or "").strip())  # written as ingest writes texts
    if not query and image is None:
        raise InvalidRequest("give a text query, an image, or both")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidRequest(f"limit must be between 1 and {MAX_LIMIT}")
    if filters is not None:
        filters = normalize_filters(filters)
    if not any(character.isalnum() for character in query):
        # Punctuation or emoji alone ("?", "🙂") name nothing: the nearest vectors of such a text
        # are noise, scored alike. With an image, the image is the search.
        if image is None:
            return []
        query = ""
    profile = None
    if user_id is not None and personalize and rt.settings.personalization_weight > 0:
        profile = profiles.load(rt, tenant_id, user_id)
    if profile is not None and not profile.empty:
        if limit <= FIRST_HITS:
            return _personalized(rt, tenant_id, profile, query, image, filters, limit, mode)
        # The pool's depth, and the affinities spread over its media, follow the limit too; the
        # shorter pool reads the first of the deeper one's engine lists.
        shared = SharedLists(rt.index)
        hits = _personalized(rt, tenant_id, profile, query, image, filters, limit, mode, shared)
        first = _personalized(rt, tenant_id, profile, query, image, filters, FIRST_HITS, mode, shared)
        return extended(first, hits, limit, ranking.DEFAULT.group_gap_s)
    return _unpersonalized(rt, tenant_id, query, image, filters, limit, mode)


def _unpersonalized(
    rt: Runtime,
    tenant_id: str,
    query: str,
    image: bytes | None,
    filters: Filters | None,
    limit: int,
    mode: Mode,
    params: RankingParams = ranking.DEFAULT,
    index: Index | None = None,
) -> list[Hit]:
    key = _cache_key(query, image, filters, limit, mode, params)

    def compute() -> list[Hit]:
        if limit <= FIRST_HITS or params is not ranking.DEFAULT:
            return _search(rt, tenant_id, query, image, filters, limit, mode, params=params, index=index)
        # The search for 10 reads the first of this search's engine lists, not the engine again.
        shared = index if isinstance(index, SharedLists) else SharedLists(index or rt.index)
        hits = _search(rt, tenant_id, query, image, filters, limit, mode, params=params, index=shared)
        first = _unpersonalized(rt, tenant_id, query, image, filters, FIRST_HITS, mode, index=shared)
        return extended(first, hits, limit, params.group_gap_s)

    return _cached(rt, tenant_id, key, compute)


def _personalized(
    rt: Runtime,
    tenant_id: str,
    profile: profiles.Profile,
    query: str,
    image: bytes | None,
    filters: Filters | None,
    limit: int,
    mode: Mode,
    index: Index | None = None,
) -> list[Hit]:
    # The unpersonalized candidates come from (and go to) the tenant's cache like any search;
    # the user's order is computed on top of them, never cached.
    depth = min(MAX_LIMIT, max(limit * 3, 30))
    # The pool is the search everyone gets, its scores too: divided by its best list by list
    # instead, hits matching a query about equally had kept about equal scores, and so had a
    # picture's tags against the passage that answers ("cover seedlings frost" put a cat photo
    # over the tomato notes for a user who liked cycling); bench.personalization, docs/benchmarks.md.
    pool = _unpersonalized(rt, tenant_id, query, image, filters, depth, mode, index=index)
    return personalize_hits.rerank(rt, tenant_id, profile, query, pool, limit)


def extended(first: list[Hit], deeper: list[Hit], limit: int, gap_s: float) -> list[Hit]:
    """``first`` (a shorter search's hits), then ``deeper``'s (the same search's, longer) that are
    neither among them nor one moment with one of them (``ranking.same_moment``), scored below
    every one of them (a user's order is not by score), ``limit`` in all. Neither list is changed."""
    shown = {h.segment_id for h in first}
    rest = [
        h
        for h in deeper
        if h.segment_id not in shown and not any(ranking.same_moment(h, f, gap_s) for f in first)
    ]
    out = list(first)
    floor = min((h.score for h in first), default=None)
    for hit in rest[: max(0, limit - len(out))]:
        score = hit.score if floor is None else round(min(hit.score, floor - 1e-6), 6)
        out.append(replace(hit, score=score))
        floor = score
    return out[:limit]


def remembered(rt: Runtime, tenant_id: str, query: str, limit: int, mode: Mode) -> bytes | None:
    """The encoded hits ``search(rt, tenant_id, query, limit=limit, mode=mode)`` would return
    (no filters, no image, no user), if the result cache holds them; None otherwise. Nothing is
    computed. Decode with ``decode_hits``."""
    key = _cache_key(searchable(query.strip()), None, None, limit, mode)
    return rt.cache.get(tenant_id, SEARCH_CACHE, key)


def _cache_key(
    query: str,
    image: bytes | None,
    filters: Filters | None,
    limit: int,
    mode: Mode,
    params: RankingParams = ranking.DEFAULT,
) -> str:
    # Results are cached per tenant (invalidated whenever that tenant's media change), keyed by
    # everything that shapes them (every filter, normalized); the image by its hash.
    return json.dumps(
        [
            query,
            hashlib.sha256(image).hexdigest() if image else None,
            asdict(filters) if filters else None,
            limit,
            mode,
            None if params is ranking.DEFAULT else [params.keyword_norm, params.vector_norm],
        ],
        sort_keys=True,
    )


def _cached(rt: Runtime, tenant_id: str, key: str, compute: Callable[[], list[Hit]]) -> list[Hit]:
    """The hits cached under ``key``, else ``compute()``'s, stored encoded and returned as they are."""
    computed: list[list[Hit]] = []

    def compute_and_encode() -> bytes:
        computed.append(compute())
        return _encode(computed[0])

    stored = rt.cache.get_or_set(
        tenant_id,
        SEARCH_CACHE,
        key,
        compute_and_encode,
        # Invalidation reaches every process only through Redis; the TTL bounds staleness where a
        # worker in another process changed the media under an in-memory cache.
        ttl_s=SEARCH_CACHE_TTL_S,
    )
    return computed[0] if computed else decode_hits(stored)


_HIT_FIELDS = tuple(f.name for f in fields(Hit))


def _encode(hits: list[Hit]) -> bytes:
    # Field by field rather than ``asdict``, which deep-copies every value on the way.
    return json.dumps([{name: getattr(h, name) for name in _HIT_FIELDS} for h in hits]).encode()


def decode_hits(stored: bytes) -> list[Hit]:
    return [Hit(**h) for h in json.loads(stored)]


@meters.timed_search
def _search(
    rt: Runtime,
    tenant_id: str,
    query: str,
    image: bytes | None,
    filters: Filters | None,
    limit: int,
    mode: Mode,
    *,
    params: RankingParams = ranking.DEFAULT,
    index: Index | None = None,
) -> list[Hit]:
    # Deeper lists than we return: fusion needs overlap to work, grouping folds neighbours into
    # one hit, and hydration skips deleted media.
    depth = max(limit * 3, 30)
    keyword = query if mode in ("hybrid", "keyword") else ""
    vectors: dict[str, list[float]] = {}
    vector = None
    if query and mode in ("hybrid", "vector"):
        vector = rt.text_embedder(tenant_id).embed_query(query)  # cached apart from results
        vectors[TEXT_SPACE] = vector.tolist()
    if image is not None:
        vectors[IMAGE_SPACE] = _image_vector(rt, image)
    language = query_language(query) if TEXT_SPACE in vectors else None
    if params is ranking.DEFAULT:
        params = replace(params, rescore_top=rt.settings.search_rescore_top)
    if vector is None or mode != "hybrid":
        params = replace(params, rescore_top=0)
    found = ranking.fused(index or rt.index, tenant_id, keyword, vectors, depth, filters, params, language)
    hits = hydrate(rt, tenant_id, found.hits, query, len(found.hits), keyframes=False)
    hits = ranking.rank(
        hits, query, bonus=bool(keyword), params=params, language=language, unmatched=found.unmatched
    )
    if params.rescore_top and vector is not None:
        top = ranking.second_stage(hits, params, found.translated)
        sentences = stored(rt, tenant_id, top, len(vector), units=True)
        hits = ranking.rescore(
            hits, vector, sentences, params, language, text=query, translated=found.translated
        )
    if mode == "hybrid" and query:
        hits = ranking.exact_first(hits, query)
    hits = hits[:limit]
    _borrow_keyframes(rt, tenant_id, hits)
    return hits


class SharedLists:
    """An index whose keyword and vector lists are remembered at the deepest ``limit`` asked, so
    that the same list asked again less deep is its first ``limit`` hits. A search and the shorter
    one it begins with (``FIRST_HITS``) share them: a search for 40 reads lists 120 deep, and the
    search for 10 the first 30 of each instead of asking the engine again. An exact list (the
    embedded index's scan below its optimize bound, BM25) begins with the shorter list itself; an
    approximate one (a graph, int8 copies) searched deeper may hold a nearer point the shorter
    search would have missed. Every other method is the index's own."""

    def __init__(self, index: Index) -> None:
        self._index = index
        self._lists: dict[tuple[Any, ...], tuple[int, list[IndexHit]]] = {}

    def search_vector(
        self,
        space: str,
        tenant_id: str,
        vector: Sequence[float],
        limit: int,
        filters: Filters | None = None,
        *,
        media: bool = True,
    ) -> list[IndexHit]:
        key = ("vector", space, tenant_id, tuple(vector), repr(filters), media)
        return self._list(
            key,
            limit,
            lambda: self._index.search_vector(space, tenant_id, vector, limit, filters, media=media),
        )

    def search_keyword(
        self, tenant_id: str, text: str, limit: int, filters: Filters | None = None, *, media: bool = True
    ) -> list[IndexHit]:
        key = ("keyword", tenant_id, text, repr(filters), media)
        return self._list(
            key, limit, lambda: self._index.search_keyword(tenant_id, text, limit, filters, media=media)
        )

    def _list(self, key: tuple[Any, ...], limit: int, search: Callable[[], list[IndexHit]]) -> list[IndexHit]:
        known = self._lists.get(key)
        if known is None or known[0] < limit:
            known = self._lists[key] = (limit, search())
        return known[1][:limit]  # the hits themselves: fusion scores new ones, never changes these

    def __getattr__(self, name: str) -> Any:
        return getattr(self._index, name)


def parse_instant(value: str, field: str, *, end_of_day: bool = False) -> datetime:
    """An ISO 8601 date or date-time; without an offset it is UTC. A bare date is that day's
    first instant, or with ``end_of_day`` its last, so ``added_before=2026-11-25`` includes the 25th."""
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidRequest(f"{field}: not an ISO 8601 date or date-time: {value!r}") from None
    if end_of_day and len(text) == 10:
        parsed += timedelta(days=1, microseconds=-1)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def normalize_filters(filters: Filters) -> Filters:
    """Validate the filters and write them as the index compares them: the added-date window as
    UTC instants, languages in lower case (as segments carry them: "ES" had matched nothing),
    labels, entities and keywords encoded (``normalize_about``)."""
    _known("kind", filters.kinds, [k.value for k in MediaKind])
    _known("modality", filters.modalities, [m.value for m in Modality])
    if filters.languages:
        filters = replace(filters, languages=sorted({v.strip().lower() for v in filters.languages}))
    if filters.added_after or filters.added_before:
        filters = normalize_dates(filters)
    return normalize_about(filters)


def _known(name: str, values: list[str] | None, allowed: list[str]) -> None:
    """A filter value no media can have is refused: "kind=vidoe" had answered no hits (and a
    saved search or chat kept it, never to match), as if nothing were there to find."""
    unknown = sorted(set(values or ()) - set(allowed))
    if unknown:
        raise UnknownValue(f"unknown {name} {', '.join(map(repr, unknown))}: one of {', '.join(allowed)}")


def normalize_about(filters: Filters) -> Filters:
    """Labels (``taxonomy:label``), entities (``TYPE:text``), keywords and paths as points carry
    them: entity text and keywords casefolded, each value beside its accent-free form, paths as
    ``path_filter_terms`` (``src/*`` → ``src/``), each list sorted without repeats (one cache key
    per meaning). A label without ``:``, an unknown entity type, an empty value or a path glob the
    index cannot match is ``InvalidRequest``."""
    paths = None
    if filters.paths:
        if len(filters.paths) > MAX_FILTER_VALUES:
            raise InvalidRequest(f"at most {MAX_FILTER_VALUES} paths in one search, got {len(filters.paths)}")
        paths = sorted({term for pattern in filters.paths for term in path_filter_terms(pattern)})
    return replace(
        filters,
        labels=_encoded("labels", filters.labels, _label),
        entities=_encoded("entities", filters.entities, _entity),
        keywords=_encoded("keywords", filters.keywords, _keyword),
        paths=paths,
    )


def _encoded(name: str, values: list[str] | None, encode: Callable[[str], str]) -> list[str] | None:
    if not values:
        return None
    if len(values) > MAX_FILTER_VALUES:
        raise InvalidRequest(f"at most {MAX_FILTER_VALUES} {name} in one search, got {len(values)}")
    # each value as written and accent-free: points carry both forms (``domain.loose_term``)
    return sorted(with_loose_terms(encode(v) for v in values))


def _label(value: str) -> str:
    taxonomy, sep, label = value.partition(":")
    if not sep or not taxonomy.strip() or not label.strip():
        raise InvalidRequest(f"label filter {value!r}: write it as taxonomy:label, e.g. temas:barismo")
    return label_term(taxonomy.strip(), label.strip())


def _entity(value: str) -> str:
    entity_type, sep, text = value.partition(":")
    entity_type = entity_type.strip().upper()
    if not sep or entity_type not in ENTITY_TYPES:
        raise InvalidRequest(
            f"entity filter {value!r}: write it as TYPE:text, TYPE one of {', '.join(ENTITY_TYPES)} "
            "(e.g. PER:Jane Austen)"
        )
    if not text.strip():
        raise InvalidRequest(f"entity filter {value!r}: the text after {entity_type}: is empty")
    return entity_term(entity_type, text.strip())


def _keyword(value: str) -> str:
    if not value.strip():
        raise InvalidRequest("keyword filter: a keyword cannot be empty")
    return keyword_term(value.strip())


def normalize_dates(filters: Filters) -> Filters:
    """Validate the added-date window and write it as UTC instants (one cache key per window)."""
    after = filters.added_after and parse_instant(filters.added_after, "added_after")
    before = filters.added_before and parse_instant(filters.added_before, "added_before", end_of_day=True)
    if after and before and after > before:
        raise InvalidRequest("added_after is later than added_before")
    return replace(
        filters,
        added_after=after.isoformat() if after else None,
        added_before=before.isoformat() if before else None,
    )


def hydrate(
    rt: Runtime, tenant_id: str, ranked: list[IndexHit], query: str, limit: int, *, keyframes: bool = True
) -> list[Hit]:
    with rt.catalog.read_session() as s:
        rows = hit_rows(s, tenant_id, (h.id for h in ranked))
    hits: list[Hit] = []
    for ranked_hit in ranked:
        row = rows.get(ranked_hit.id)
        if row is None:
            continue  # indexed but gone from the catalog (deleted meanwhile): the catalog wins
        start_s, end_s = row.start_s, row.end_s
        meta = dict(row.meta or {})
        meta.pop("search_header", None)  # what the index matched besides the text, not for people
        parts = meta.pop("parts", None)
        spans = None
        if parts and query:
            from mediasift.answer.sentences import timed_sentence_spans
            from mediasift.services.moment import locate_moment

            part = locate_moment(parts, query)
            start_s, end_s = part["start_s"], part["end_s"]
            meta["chunk_start_s"], meta["chunk_end_s"] = row.start_s, row.end_s
            # no query word said: search's second stage points it at its best sentence by meaning
            spans = None if part["score"] else timed_sentence_spans(parts)
        hits.append(
            Hit(
                segment_id=row.id,
                media_id=row.media_id,
                filename=row.filename,
                kind=row.kind or "",
                modality=row.modality,
                text=row.text,
                start_s=start_s,
                end_s=end_s,
                page=row.page,
                score=round(float(ranked_hit.score), 6),
                collection=row.collection,
                language=row.language,
                frame_key=row.frame_key,
                meta=meta,
                thumbnail_key=row.frame_key,
                ordinal=row.ordinal,
                media_meta=user_metadata(row.media_meta),
                sentence_spans=spans,
            )
        )
        if len(hits) >= limit:
            break
    if keyframes:
        _borrow_keyframes(rt, tenant_id, hits)
    return hits


def _borrow_keyframes(rt: Runtime, tenant_id: str, hits: list[Hit]) -> None:
    """Give a timed video hit without a frame of its own (speech) the keyframe on screen at its
    start_s: the last one at or before it, else the first. One catalog query for all the hits."""
    unframed = [h for h in hits if h.thumbnail_key is None and h.kind == "video" and h.start_s is not None]
    if not unframed:
        return
    with rt.catalog.read_session() as s:
        frames = repo.keyframes(s, tenant_id, (h.media_id for h in unframed))
    for hit in unframed:
        keyframes = frames.get(hit.media_id)
        if keyframes:
            at = bisect.bisect_right(keyframes, hit.start_s, key=lambda frame: frame[0])
            hit.thumbnail_key = keyframes[max(at - 1, 0)][1]


def _image_vector(rt: Runtime, data: bytes) -> list[float]:
    from mediasift.embed.image.factory import get_image_embedder
    from mediasift.errors import MediaRejected
    from mediasift.media.images import decode_image

    try:
        picture = decode_image(data, rt.settings.max_pixels)
    except MediaRejected as exc:
        raise InvalidRequest(f"query image: {exc.message}") from None
    return get_image_embedder(rt.models, rt.settings).embed([picture])[0].tolist()
