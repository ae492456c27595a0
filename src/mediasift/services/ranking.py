"""Ranking a search's candidates once the index has found them: what comes first, and what is one hit.

    index lists (keyword BM25, text cosine, image cosine), each ``depth`` deep
      ─► ``fused``: score fusion (``index/fusion.score_fusion``), each list normalised to 0..1 and
          weighted; a single list keeps its own scores
      ─► catalog hydration (``services/search.hydrate``)
      ─► ``rank``: a fragment with too little to say ("O", "★" read off a photo) is dropped; the
          rest is scored ``fused × modality prior × (1 + phrase bonus)``, where the bonus rewards a
          text holding the query's words next to each other and in order (keyword and hybrid only),
          and a tag the keywords missed has its vector share stand in for theirs first (hybrid)
      ─► ``rescore`` (hybrid; ``MEDIASIFT_SEARCH_RESCORE_TOP``, 0 turns it off): the best hits'
          moments, and the other language's nearest passages wherever fusion put them, scored
          again by their best sentence, embedded alone at ingest, so one answering sentence in a
          chunk is not diluted (for a question asking an amount, a sentence stating one counts
          more; one holding two or more of the query's words, a slip tolerated, a hair more);
          on-screen text and code are scored by their own vector, tags and pictures keep their
          rank; a translation that does not reach the best few goes back below the rest.
      ─► ``group_moments`` (after ``rank`` when there is no second stage): hits of one media that
          are one moment (overlapping or within ``group_gap_s`` in time, the same page,
          neighbouring chunks, or one still image) become one hit: the best-scored one, whose
          second is kept, ``meta["moment"]`` saying what it spans. Grouped after the second stage,
          a moment is shown by the member holding its best sentence.

Every parameter here was chosen on the development half of ``bench/retrieval.py`` and checked on
its held-back half (docs/benchmarks.md); the engines are not involved, so every index backend
ranks alike.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from typing import TYPE_CHECKING, Literal

import numpy as np

from mediasift.answer.amounts import asks_amount, states_amount
from mediasift.answer.sentences import sentence_texts
from mediasift.domain import MIN_INFO_CHARS, TEXT_SPACE, Filters, Hit, IndexHit, informative
from mediasift.enrich.language import other_language
from mediasift.enrich.terms import asked_terms, terms
from mediasift.enrich.typos import Question, asked_words
from mediasift.enrich.typos import held as held_words
from mediasift.index.fusion import Normalisation, normalised, score_fusion
from mediasift.media.source_files import CODE_LANGUAGES

if TYPE_CHECKING:
    from mediasift.index.base import Index

Fusion = Literal["score", "rrf"]


@dataclass(frozen=True, slots=True)
class RankingParams:
    """How candidates are fused and ranked; the defaults are what the evaluation chose."""

    fusion: Fusion = "score"
    keyword_weight: float = 0.35
    vector_weight: float = 0.65
    keyword_norm: Normalisation = "minmax"
    vector_norm: Normalisation = "minmax"
    phrase_bonus: float = 0.2
    # Per modality, e.g. {"tag": 0.85}; none: a tag prior lowered MRR on the development half.
    priors: Mapping[str, float] = field(default_factory=dict)
    min_info_chars: int = MIN_INFO_CHARS  # an index built before they were left out holds them
    group_gap_s: float = 2.0
    group: bool = True
    # With the second stage on, neighbours are grouped into moments after it, not before: a
    # moment's hit is then its best *re-scored* member (the chunk holding the answering sentence),
    # not the one the first stage preferred.
    group_after_rescore: bool = True
    # The second stage: how many of the best hits are re-scored by their stored sentence vectors
    # (0: none). Search takes it from MEDIASIFT_SEARCH_RESCORE_TOP.
    rescore_top: int = 30
    rescore_weight: float = 0.85  # the share of the best sentence's similarity in the final score
    # The cross-lingual allowance of the second stage, added to the cosine of a sentence in the
    # other language than the query's (a lone sentence's translation scores lower still than a
    # passage's; bench/retrieval.py chose it).
    rescore_gap: float = 0.04
    # Added to the text cosine of a passage in the other of the platform's two languages than the
    # query's: the model scores a translation below a same-language paraphrase, so without it a
    # same-language near miss outranks the answer to a cross-lingual query (bench/retrieval.py's
    # sweep chose the value). 0: off.
    cross_lingual_gap: float = 0.02
    # With the gap on, hybrid: a passage in the other language gets, in place of the keyword share
    # it cannot earn, that share of its normalised text-vector score.
    keyword_stand_in: bool = True
    # Hybrid: a tag (an image's labels, "sorrel, horse chestnut") the keyword list did not find
    # gets that share of its normalised text-vector score too: a description's words are rarely
    # the label set's, so the keywords' silence says as little against a tag as against a
    # translation (bench/retrieval.py, development half: photo MRR@10 0.07 -> 0.26, no type lower).
    tag_stand_in: bool = True
    # Hybrid with the second stage on: the other language's nearest passages that join it wherever
    # fusion ranked them. A passage's vector averages its sentences, so a translation of the one
    # that answers ranks below same-language near misses; its own sentence can still win there.
    rescore_translated: int = 30
    # ... and the highest rank such a translation may take in the re-scored list, else it goes
    # below every other re-scored hit (0: any rank).
    translated_within: int = 3
    # The second stage, for a query asking for an amount (``answer/amounts.py``): subtracted from
    # the cosine of a sentence that states none ("Mountain bikes have wider tyres" does not say how
    # much air road tyres take).
    amount_penalty: float = 0.03
    # The second stage: added to a sentence's cosine for each of the query's content words it holds
    # (``enrich/typos.py``: a word one slip away counts, so "genteja" holds "lentejas"), at most
    # ``bonus_words`` of them and only from ``min_shared_words`` (all of a shorter query's): among
    # sentences the model scores about alike, the one saying the query's words wins. A sentence in
    # the other language gets none (its allowance stands in for the words a translation cannot
    # share), nor does code (its identifiers are the keyword list's evidence already). 0: off.
    word_bonus: float = 0.0025
    min_shared_words: int = 2
    bonus_words: int = 3
    typo_tolerant: bool = True  # False: only a word's own stems count (bench/retrieval.py's sweep)


DEFAULT = RankingParams()


@dataclass(slots=True)
class Candidates:
    """What the index found for one search: ``hits`` best first, and ``translated``, the ids of
    the other language's nearest passages (at most ``params.rescore_translated``) that are among
    them even where fusion ranked them below ``depth``, for the second stage."""

    hits: list[IndexHit]
    translated: frozenset[str] = frozenset()
    # Hybrid: each text-vector hit the keyword list did not find, with its normalised vector score
    # (``params.tag_stand_in``, applied by ``rank`` once the hits' modalities are known).
    unmatched: Mapping[str, float] = field(default_factory=dict)


def fused(
    index: Index,
    tenant_id: str,
    keyword: str,
    vectors: Mapping[str, Sequence[float]],
    depth: int,
    filters: Filters | None,
    params: RankingParams = DEFAULT,
    language: str | None = None,
) -> Candidates:
    """The candidates of one search, best first: one list keeps its own scores; several are fused
    by ``params.fusion`` (score fusion here, or reciprocal rank inside the engine). ``language``
    is the query's (``enrich.language.query_language``), for ``params.cross_lingual_gap``. A
    hit's ``media_id`` may be ``""``: search reads each hit's media from the catalog."""

    translated: set[str] = set()  # the other language's passages among the text neighbours
    nearest_translated: list[IndexHit] = []  # the same, nearest first
    # Hydration reads each hit's media from the catalog: the lists' media ids may be left "" (an
    # engine that reads them from the point's payload spends ~0.2 ms a list on them).
    media = False

    def nearest(space: str, vector: Sequence[float]) -> list[IndexHit]:
        hits = index.search_vector(space, tenant_id, vector, depth, filters, media=media)
        other = _other_language(language, filters)
        if space != TEXT_SPACE or not params.cross_lingual_gap or other is None:
            return hits
        within = replace(filters or Filters(), languages=_translated_languages(other))
        theirs = index.search_vector(space, tenant_id, vector, depth, within, media=media)
        translated.update(h.id for h in theirs)
        nearest_translated.extend(theirs)
        return shifted_merge(hits, theirs, params.cross_lingual_gap, depth)

    if not vectors:
        return Candidates(index.search_keyword(tenant_id, keyword, depth, filters, media=media))
    if not keyword and len(vectors) == 1:
        ((space, vector),) = vectors.items()
        return Candidates(nearest(space, vector))
    if params.fusion == "rrf":
        return Candidates(index.search_hybrid(tenant_id, keyword, vectors, depth, filters))
    lists = [index.search_keyword(tenant_id, keyword, depth, filters, media=media)] if keyword else []
    lists += [nearest(space, v) for space, v in vectors.items()]
    weights = [params.keyword_weight] * bool(keyword) + [params.vector_weight] * len(vectors)
    norms: list[Normalisation] = [params.keyword_norm] * bool(keyword) + [params.vector_norm] * len(vectors)
    # Each text-vector hit's normalised score, which stands in for the keyword share a hit the
    # keywords cannot match would earn: a passage in the other language, or a tag (``rank``).
    stand_in: dict[str, float] = {}
    if keyword and TEXT_SPACE in vectors:
        text = lists[1 + list(vectors).index(TEXT_SPACE)]
        stand_in = dict(
            zip((h.id for h in text), normalised([h.score for h in text], params.vector_norm), strict=True)
        )
    found = {h.id for h in lists[0]} if keyword else set()
    unmatched = {i: s for i, s in stand_in.items() if i not in found} if params.tag_stand_in else {}
    if not (keyword and translated and params.keyword_stand_in):
        return Candidates(score_fusion(lists, weights, norms, limit=depth), unmatched=unmatched)
    # Keywords cannot match a passage in another language than the query's: their silence is no
    # evidence against it, so its text-vector score stands in for the keyword share it cannot earn.
    hits = score_fusion(lists, weights, norms)
    for hit in hits:
        if hit.id in translated:
            hit.score += params.keyword_weight * stand_in.get(hit.id, 0.0)
    hits.sort(key=lambda h: -h.score)  # stable: fusion's order breaks ties
    pool = params.rescore_translated if params.rescore_top else 0  # no second stage, no translations
    return replace(_with_translations(hits, depth, nearest_translated[:pool]), unmatched=unmatched)


def _with_translations(hits: list[IndexHit], depth: int, translations: list[IndexHit]) -> Candidates:
    """The best ``depth`` of ``hits`` (fused, best first), then those of ``translations`` (the other
    language's nearest) that are not among them: by their fused score, else (cut from the text list
    before fusion) below every other."""
    top = hits[:depth]
    if not translations:
        return Candidates(top)
    fused_hit = {h.id: h for h in hits}
    floor = min((h.score for h in hits), default=0.0) - 1e-6
    shown = {h.id for h in top}
    below = [fused_hit.get(t.id, IndexHit(id=t.id, media_id=t.media_id, score=floor)) for t in translations]
    below = sorted((h for h in below if h.id not in shown), key=lambda h: -h.score)
    return Candidates(top + below, frozenset(t.id for t in translations))


_CODE_LANGUAGES = sorted(CODE_LANGUAGES)


def _translated_languages(other: str) -> list[str]:
    """The languages whose passages a query in the other language finds only by meaning: the
    other's; for a Spanish query, code's too, whose names and comments are English in practice
    (an English README had outranked the function a Spanish question described)."""
    return [other, *_CODE_LANGUAGES] if other == "en" else [other]


def _other_language(language: str | None, filters: Filters | None) -> str | None:
    """The language whose passages get ``cross_lingual_gap``: the other of English and Spanish,
    unless the query's is unknown or the search names its languages itself."""
    if filters is not None and filters.languages:
        return None
    return other_language(language)


def shifted_merge(hits: list[IndexHit], translated: list[IndexHit], gap: float, depth: int) -> list[IndexHit]:
    """``hits`` (every language) with ``translated`` (the other language's nearest alone) scored
    ``gap`` higher, best first, ``depth`` of them. Every other-language hit of ``hits`` is in
    ``translated`` too (it ranks no lower among its own language), so all of them are shifted."""
    best = {h.id: h for h in hits}
    for h in translated:
        best[h.id] = IndexHit(id=h.id, media_id=h.media_id, score=h.score + gap)
    return sorted(best.values(), key=lambda h: -h.score)[:depth]


def proximity(text: str, query: str | list[set[str]]) -> float:
    """The share of the query's consecutive content-word pairs found in ``text`` in order, at
    most one word apart (0..1; 0 for a query of fewer than two content words). ``query`` may be
    given as its ``asked_terms`` already."""
    wanted = asked_terms(query) if isinstance(query, str) else query
    if len(wanted) < 2:
        return 0.0
    at = _stem_positions(text)
    where = [sorted({i for stem in q for i in at.get(stem, ())}) for q in wanted]
    pairs = sum(any(0 < b - a <= 2 for a in first for b in second) for first, second in pairwise(where))
    return pairs / (len(wanted) - 1)


@functools.lru_cache(maxsize=4096)
def _stem_positions(text: str) -> dict[str, tuple[int, ...]]:
    # Every search ranks its candidates' texts again, and a corpus's passages come back query after
    # query: their stems, found once, are most of what ranking cost (treat the dict as read-only).
    positions: dict[str, list[int]] = {}
    for i, stems in enumerate(terms(text)):
        for stem in stems:
            positions.setdefault(stem, []).append(i)
    return {stem: tuple(at) for stem, at in positions.items()}


def rank(
    hits: list[Hit],
    query: str,
    *,
    bonus: bool,
    params: RankingParams = DEFAULT,
    language: str | None = None,
    unmatched: Mapping[str, float] | None = None,
) -> list[Hit]:
    """``hits`` (hydrated candidates) rescored, best first, grouped into moments; the scores are
    only comparable within one search. ``language``: the query's; a hit in the other of English
    and Spanish gets no phrase bonus (it holds a translation of the query's words, not them, and
    stemming its text cost more than the rest of ranking it). ``unmatched``: ``fused``'s
    ``Candidates.unmatched``, whose tags get ``params.tag_stand_in``'s share."""
    kept = []
    wanted = asked_terms(query)
    other = other_language(language)
    for hit in hits:
        if hit.modality == "ocr" and not informative(hit.text, params.min_info_chars):
            continue
        score = hit.score
        if unmatched and hit.modality == "tag" and hit.segment_id in unmatched:
            score += params.keyword_weight * unmatched[hit.segment_id]
        score *= params.priors.get(hit.modality, 1.0)
        if bonus and query and params.phrase_bonus and (other is None or hit.language != other):
            score *= 1.0 + params.phrase_bonus * proximity(hit.text, wanted)
        hit.score = round(score, 6)
        kept.append(hit)
    kept.sort(key=lambda h: -h.score)  # stable: the engine's order breaks ties
    return group_moments(kept, params.group_gap_s) if params.group and not _groups_later(params) else kept


def _groups_later(params: RankingParams) -> bool:
    """Whether ``rescore``, not ``rank``, groups the hits into moments."""
    return bool(params.rescore_top) and params.group_after_rescore


def second_stage(hits: list[Hit], params: RankingParams, translated: Collection[str] = ()) -> list[Hit]:
    """The hits ``rescore`` scores again: the best ``params.rescore_top`` (moments, with every
    member up to where the next moment begins, where ``rank`` left them ungrouped), and below them
    the other language's nearest passages that ``fused`` kept (``Candidates.translated``)."""
    return _joined(hits, _head(hits, params), translated)


def _joined(hits: list[Hit], head: int, translated: Collection[str]) -> list[Hit]:
    """The first ``head`` of ``hits`` and, below them, those of the rest in ``translated``."""
    return hits[:head] + [h for h in hits[head:] if h.segment_id in translated]


def _head(hits: list[Hit], params: RankingParams) -> int:
    """How many of ``hits`` (best first) the best ``params.rescore_top`` take: hits, or, where
    ``rank`` left them ungrouped, moments (``same_moment``) up to the first hit of the next one."""
    if not (params.group and _groups_later(params)):
        return min(params.rescore_top, len(hits))
    by_media: dict[str, list[Hit]] = {}  # each media's hits so far (a moment joins through any)
    moments = 0
    for k, hit in enumerate(hits):
        mine = by_media.setdefault(hit.media_id, [])
        if not any(same_moment(hit, other, params.group_gap_s) for other in mine):
            if moments == params.rescore_top:
                return k
            moments += 1
        mine.append(hit)
    return len(hits)


def rescore(
    hits: list[Hit],
    query: np.ndarray,
    sentences: Mapping[str, np.ndarray],
    params: RankingParams = DEFAULT,
    language: str | None = None,
    *,
    text: str = "",
    translated: Collection[str] = (),
) -> list[Hit]:
    """The second stage: the ``second_stage`` hits scored again by their best sentence.

    A passage's vector averages every sentence in it, so the one that answers is diluted by its
    neighbours. ``sentences`` holds, by segment id, the vectors ingest stored for each sentence of
    a prose hit (``services/sentence_vectors.py``; nothing is embedded here), ``query`` the query's
    vector and ``text`` its words. A hit that has them scores ``(1 - w) * its first-stage score +
    w * its best sentence's cosine``, both scaled 0..1 over those hits; a sentence in the other
    language than the query's (``language``) gets ``params.rescore_gap``, when ``text`` asks
    for an amount a sentence stating none loses ``params.amount_penalty``, and any other (not code)
    gains ``params.word_bonus`` for each of ``text``'s words it holds (``enrich/typos.py``; from
    ``params.min_shared_words``, at most ``params.bonus_words``). A re-scored hit without
    any (a tag, a photo's text) keeps its place among them: its first-stage score is
    mapped onto the new scale by rank, and past its ends by its distance from them
    (``_on_new_scale``; ``has_vectors`` decides which have some). Hits not
    re-scored keep their order after them.
    """
    later = params.group and _groups_later(params)
    head = _head(hits, params)
    top = _joined(hits, head, translated)  # second_stage's, without finding the head again
    chosen = {id(h) for h in top}
    rest = [h for h in hits if id(h) not in chosen]
    prose = [h for h in top if h.segment_id in sentences]
    _point_at_best_sentences(prose, sentences, query)
    if len(prose) < 2:
        return group_moments(hits, params.group_gap_s) if later else hits
    other = other_language(language)
    penalty = params.amount_penalty if text and asks_amount(text) else 0.0
    words = asked_words(text, typos=params.typo_tolerant) if text and params.word_bonus else None
    best = []
    for h in prose:
        translated_hit = other is not None and h.language == other
        mine = None if translated_hit or h.modality == "code" else words
        score = _best_sentence(h, sentences[h.segment_id] @ query, penalty, mine, params)
        best.append(score + (params.rescore_gap if translated_hit else 0.0))
    before = [h.score for h in prose]
    first = normalised(before, "minmax")
    second = normalised(best, "minmax")
    w = params.rescore_weight
    after = [(1 - w) * a + w * b for a, b in zip(first, second, strict=True)]
    # By rank: the nth best first-stage score among the prose hits becomes their nth best new one.
    old_scale, new_scale = np.sort(before), np.sort(after)
    for hit in top:
        if hit.segment_id not in sentences:
            hit.score = round(_on_new_scale(hit.score, old_scale, new_scale), 6)
    for hit, score in zip(prose, after, strict=True):
        hit.score = round(score, 6)
    ranked = sorted(top, key=lambda h: -h.score)
    floor = min(h.score for h in top)
    for hit in rest:  # below every re-scored hit, in their order
        hit.score = round(min(hit.score, floor - 1e-6), 6)
    if later:  # one hit per moment, its best re-scored member; the rest stay below
        grouped = group_moments(ranked + rest, params.group_gap_s)
        ranked = [h for h in grouped if id(h) in chosen]
        rest = [h for h in grouped if id(h) not in chosen]
    if params.translated_within:
        # A translation from below the cut is there to answer: it stays only among the best few,
        # never as filler between an answer and the rest of its media.
        joined = {id(h) for h in top[head:]}
        late = {id(h) for k, h in enumerate(ranked) if id(h) in joined and k >= params.translated_within}
        ranked = [h for h in ranked if id(h) not in late] + [h for h in ranked if id(h) in late]
        for higher, lower in pairwise(ranked):  # scores follow the order
            lower.score = min(lower.score, round(higher.score - 1e-6, 6))
    return ranked + rest


def _point_at_best_sentences(hits: list[Hit], sentences: Mapping[str, np.ndarray], query: np.ndarray) -> None:
    """A speech hit no query word pointed at (``Hit.sentence_spans``) starts at the second of its
    sentence that matches the query best by meaning."""
    for hit in hits:
        spans = hit.sentence_spans
        if spans is not None and len(spans) == len(stored := sentences[hit.segment_id]):
            hit.start_s, hit.end_s = spans[int(np.argmax(stored @ query))]


def _on_new_scale(score: float, old: np.ndarray, new: np.ndarray) -> float:
    """A first-stage score on the re-scored scale, by rank: between two prose hits' old scores,
    between their new ones; above (below) them all, as far above (below) the best (worst) new one
    as it was the old. Clamped there instead, every tag above the best prose hit took its score
    and they all tied ("a cat": six hits at 0.9706, a cat's photo and "mask, covering" alike)."""
    if score > old[-1]:
        return float(new[-1] + (score - old[-1]))
    if score < old[0]:
        return float(new[0] - (old[0] - score))
    return float(np.interp(score, old, new))


def _best_sentence(
    hit: Hit, cosines: np.ndarray, amount_penalty: float, words: Question | None, params: RankingParams
) -> float:
    """The best of a hit's sentence cosines, a sentence stating no amount ``amount_penalty``
    lower (where the hit has more than one) and one holding ``words`` (the query's, ``asked_words``)
    ``params.word_bonus`` higher per word held (the stored rows are ``sentence_texts``' sentences;
    if they no longer are, the cosines alone)."""
    several = len(cosines) > 1
    reach = params.word_bonus * params.bonus_words if words else 0.0  # the most a bonus adds
    if not (amount_penalty and several) and not reach:
        return float(cosines.max())
    texts = sentence_texts(hit.text, hit.meta) if several else [hit.text]
    if len(texts) != len(cosines):
        return float(cosines.max())
    need = min(params.min_shared_words, len(words)) if words else 0
    best = -np.inf
    # Best first, and only while a sentence can still beat the best so far: it is rarely more
    # than the first two that are read (every search ranks ~30 hits).
    for k in (-cosines).argsort():
        if cosines[k] + reach <= best:
            break
        score = float(cosines[k])
        if amount_penalty and several and not states_amount(texts[k]):
            score -= amount_penalty
        if reach and words:
            held = held_words(texts[k], words)
            score += params.word_bonus * min(held, params.bonus_words) if held >= need else 0.0
        best = max(best, score)
    return best


def group_moments(hits: list[Hit], gap_s: float) -> list[Hit]:
    """One hit per moment, in order: a hit joins an earlier (better) hit of the same media when
    they are one moment (``same_moment``); the earlier keeps its second, ``meta["moment"]``
    records ``{"start_s", "end_s", "segments"}`` across the group."""
    groups: list[list[Hit]] = []
    by_media: dict[str, list[list[Hit]]] = {}  # only a media's own groups can take a hit
    for hit in hits:
        mine = by_media.setdefault(hit.media_id, [])
        home = next((g for g in mine if any(same_moment(hit, other, gap_s) for other in g)), None)
        if home is None:
            groups.append([hit])
            mine.append(groups[-1])
        else:
            home.append(hit)
    out = []
    for group in groups:
        best = group[0]
        if len(group) > 1:
            starts = [h.start_s for h in group if h.start_s is not None]
            ends = [h.end_s if h.end_s is not None else h.start_s for h in group if h.start_s is not None]
            best.meta["moment"] = {
                "start_s": min(starts) if starts else None,
                "end_s": max(e for e in ends if e is not None) if ends else None,
                "segments": len(group),
            }
        out.append(best)
    return out


def same_moment(a: Hit, b: Hit, gap_s: float) -> bool:
    """Two hits of one media are one moment: overlapping or within ``gap_s`` seconds on its
    timeline; the same page or slide; neighbouring chunks of one text; or parts of one still image."""
    if a.media_id != b.media_id:
        return False
    if a.start_s is not None and b.start_s is not None:
        a_end = a.end_s if a.end_s is not None else a.start_s
        b_end = b.end_s if b.end_s is not None else b.start_s
        return a.start_s - gap_s <= b_end and b.start_s - gap_s <= a_end
    if a.page is not None or b.page is not None:
        return a.page == b.page
    if a.modality == "code" or b.modality == "code":
        return False  # two definitions of one file are two answers
    if a.kind == "image":
        return True
    return a.modality == b.modality and abs(a.ordinal - b.ordinal) <= 1


# -- the query word for word -------------------------------------------------------------------------

_NOT_WORD = re.compile(r"[\W_]+")


def exact_matches(query: str, hits: Sequence[Hit]) -> set[int]:
    """Indexes of the hits holding the whole query word for word (case and accents aside: "Ibanez"
    holds in "Ibáñez", "P-0347" in "P-0347,"), in their text or file name, when at most a third of
    them do: a name, a code or a quoted phrase says which media it means, where a common word
    would be in most."""
    pattern = _phrase_pattern(query)
    if pattern is None:
        return set()
    found = {i for i, h in enumerate(hits) if pattern.search(h.text) or pattern.search(h.filename)}
    return found if len(found) <= max(1, len(hits) // 3) else set()


@functools.lru_cache(maxsize=256)
def _phrase_pattern(query: str) -> re.Pattern[str] | None:
    """The query's words in order, as words, with anything but letters and digits between them,
    each letter matching its accented forms too, case aside: one regex a query, searched in each
    candidate's text as it is (folding every candidate's text had cost ~1 ms a search). None for a
    query too short or too long to be a name, a code or a phrase."""
    words = _NOT_WORD.sub(" ", _fold(query)).split()
    if len("".join(words)) < 2 or len(words) > EXACT_WORDS:
        return None  # a question is not written word for word where it is answered
    between = r"[\W_]+"
    body = between.join("".join(_ACCENTED.get(ch, re.escape(ch)) for ch in word) for word in words)
    # The first letter leads and the word's start is asserted behind it (it and the character
    # before it are not two word characters): a pattern that begins with its letter lets the
    # regex engine skip to where that letter occurs, half the time of asserting first.
    first = _ACCENTED.get(words[0][0], re.escape(words[0][0]))
    return re.compile(rf"{first}(?<![^\W_].){body[len(first) :]}(?![^\W_])", re.IGNORECASE)


EXACT_MEDIA = 3  # at most this many media holding the query word for word go first
EXACT_WORDS = 6  # a longer query is a question or a sentence, looked for by meaning


def exact_first(hits: list[Hit], query: str) -> list[Hit]:
    """``hits`` with those holding the query word for word (``exact_matches``) first, in their
    order, each scored above the rest. The second stage scores a passage by its best sentence's
    meaning, which says little of a name ("Ana Botín" had ranked the one article naming her sixth,
    below a caption and two leases) or a product code (a CSV's neighbouring chunk first)."""
    pinned = exact_matches(query, hits)
    if len({hits[i].media_id for i in pinned}) > EXACT_MEDIA or pinned == set(range(len(pinned))):
        return hits  # a phrase several media hold ("a horse") says less than their meaning does
    first = [h for i, h in enumerate(hits) if i in pinned]
    rest = [h for i, h in enumerate(hits) if i not in pinned]
    top = max((h.score for h in rest), default=0.0)
    for k, hit in enumerate(first):  # above every other hit, their order kept
        hit.score = round(max(hit.score, top + 1e-3 * (len(first) - k)), 6)
    return first + rest


_MARKS = re.compile(r"[\u0300-\u036f]+")  # combining diacritical marks


def _accented_forms() -> dict[str, str]:
    """Each ASCII letter → a character class of it and its Latin forms with marks ("a" → "[aá…]"),
    for patterns that find "Ibáñez" by "ibanez" without folding the text searched."""
    forms: dict[str, set[str]] = {}
    for code in range(0xC0, 0x250):
        ch = chr(code)
        base = _MARKS.sub("", unicodedata.normalize("NFKD", ch)).casefold()
        if len(base) == 1 and base.isascii() and base.isalpha() and ch.casefold() != base:
            forms.setdefault(base, set()).add(ch)
    return {b: "[" + re.escape(b) + "".join(sorted(others)) + "]" for b, others in forms.items()}


_ACCENTED = _accented_forms()


def _fold(text: str) -> str:
    """``text`` casefolded, its Latin letters' marks left out ("Ibáñez" → "ibanez"): the query's
    words, which ``_phrase_pattern`` then matches against every accented form."""
    folded = text.casefold()
    return folded if folded.isascii() else _MARKS.sub("", unicodedata.normalize("NFKD", folded))
