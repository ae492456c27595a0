"""One media's enrichment from its segments: entities, keywords, a summary, languages and labels.

The one place the pipeline (after extraction), ``mediasift reindex --enrich`` and the relabel job
(after a taxonomy changes) get what a media is about, so all three produce the same record. It
reads plain segments (any object with ``id``, ``modality``, ``text``, ``start_s``, ``page`` and
``language``: extraction's ``Segment`` and the catalog's row both have them) and never touches
the catalog or the index.

What reads what: entities, keywords and the summary read what was said or written (speech, OCR,
document text, slide notes); labels also read image tags, so a photo or a keyframe classifies by
what it shows. An ImageNet hypernym chain ("tabby, domestic cat, feline, carnivore…") is not
prose: it would only add noise to entities, keywords and a summary.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from mediasift.domain import beside_the_transcript, entity_term, keyword_term, label_term, with_loose_terms
from mediasift.enrich.classify import LabelScore, ZeroShotClassifier
from mediasift.enrich.embedding import (
    PassageEmbedder,
    QueryEmbedder,
    document_vector,
    passage_document_vector,
)
from mediasift.enrich.entities import Entity, extract_entities
from mediasift.enrich.keywords import MAX_CHARS as KEYWORD_CHARS
from mediasift.enrich.keywords import Keyword, extract_keywords
from mediasift.enrich.seconds import SpokenSeconds
from mediasift.enrich.summary import SummarySentence, summarize
from mediasift.enrich.taxonomy import Taxonomy
from mediasift.enrich.text_units import Segment, within_budget

PROSE = frozenset({"speech", "ocr", "text", "note"})
CLASSIFIED = PROSE | {"tag", "image", "frame"}
# Per-segment labels embed each segment once: a budget keeps a 500-page document bounded.
SEGMENT_LABEL_CHARS = 200_000
KEYWORDS_IN_INDEX = 20
MEDIA_VECTOR_PASSAGES = 32  # passages averaged into keywords' media vector at most


class StoredSegment(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def modality(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def start_s(self) -> float | None: ...
    @property
    def page(self) -> int | None: ...
    @property
    def language(self) -> str | None: ...


@dataclass
class MediaLabels:
    """A media's labels from every taxonomy, and each segment's (by segment id)."""

    media: list[LabelScore] = field(default_factory=list)
    segments: dict[str, list[LabelScore]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class MediaEnrichment:
    summary: list[SummarySentence]
    keywords: list[Keyword]
    entities: list[Entity]
    labels: MediaLabels
    languages: list[str]  # most segments first
    notes: list[str]  # what was sampled or skipped, for the report
    models: list[str]

    def index_terms(self) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """``(labels, entities, keywords)`` as the index payload carries them (see ``index_terms``)."""
        return index_terms(
            [s.to_dict() for s in self.labels.media],
            [e.to_dict() for e in self.entities],
            [k.to_dict() for k in self.keywords],
        )


def index_terms(
    labels: Sequence[Mapping[str, Any]],
    entities: Sequence[Mapping[str, Any]],
    keywords: Sequence[Mapping[str, Any]],
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """The filterable payload of a media's points from its stored enrichment: labels as
    ``"taxonomy:label"``, entities as ``"TYPE:casefolded text"``, keywords casefolded (the
    contract ``domain.Filters`` matches against), each followed by its accent-free form where it
    has one (``domain.loose_term``)."""
    return (
        with_loose_terms(label_term(x["taxonomy"], x["label"]) for x in labels),
        with_loose_terms(entity_term(x["type"], str(x["text"])) for x in entities),
        with_loose_terms(keyword_term(str(x["text"])) for x in keywords[:KEYWORDS_IN_INDEX]),
    )


def enrich_media(
    segments: Sequence[StoredSegment],
    taxonomies: Mapping[str, Taxonomy],
    embedder: QueryEmbedder,
    language: str | None = None,
    passages: PassageEmbedder | None = None,
) -> MediaEnrichment:
    """Everything enrichment knows of one media. ``language`` is the media's own (from ASR or
    detection), used for the segments that have none. ``passages``: the text embedder search
    uses, whose vectors of the media's passages and sentences the summary and keywords reuse
    (``embedding.py``); without it they embed their own ``query:`` texts."""
    languages = media_languages(segments)
    segments = [s for s in segments if not beside_the_transcript(s.modality, getattr(s, "meta", None))]
    prose = _segments(segments, PROSE)
    lang = language or (languages[0] if languages else None)
    texts = [s.text for s in prose]
    # Labels read a media vector of ``query:`` runs (passage vectors classify badly); keywords'
    # reference is the passages' mean when there are passages, that vector otherwise.
    labelled = bool(taxonomies) and _only_prose(segments)
    vector = document_vector(texts, embedder) if texts and (labelled or passages is None) else None
    reference: np.ndarray | None = vector
    if passages is not None and texts:
        reference = passage_document_vector(_keyword_texts(prose), passages, _dim(embedder))
    entities = extract_entities(_read_once(segments, prose), lang)
    keywords = extract_keywords(prose, lang, embedder, document=reference)
    summary = summarize(prose, lang, embedder, passages=passages)
    labels = classify_media(segments, taxonomies, embedder, vector if labelled else None)
    notes = [*entities.notes, *labels.notes]
    for what, coverage in (("keywords", keywords.coverage), ("summary", summary.coverage)):
        if note := coverage.note():
            notes.append(f"{what}: {note}")
    models = [*entities.models, getattr(embedder, "id", type(embedder).__name__)]
    spoken = SpokenSeconds(segments)
    return MediaEnrichment(
        spoken.summary(summary.items),
        keywords.items,
        spoken.entities(entities.items),
        labels,
        languages,
        notes,
        models,
    )


def classify_media(
    segments: Sequence[StoredSegment],
    taxonomies: Mapping[str, Taxonomy],
    embedder: QueryEmbedder,
    vector: np.ndarray | None = None,
) -> MediaLabels:
    """Labels of the media (from one media vector) and of each segment, in every taxonomy.
    ``vector``: the media's ``document_vector`` over the same texts, when the caller has it."""
    out = MediaLabels()
    if not taxonomies:
        return out
    readable = _segments(segments, CLASSIFIED)
    if not readable:
        return out
    if vector is None:
        vector = document_vector([s.text for s in readable], embedder)
    chosen, coverage = within_budget(readable, SEGMENT_LABEL_CHARS)
    if note := coverage.note():
        out.notes.append(f"segment labels: {note}")
    segment_vectors = embedder.embed_queries([s.text for s in chosen])
    for name, taxonomy in sorted(taxonomies.items()):
        classifier = _classifier(name, taxonomy, embedder)
        out.media += classifier.classify_vectors(vector[np.newaxis, :])[0]
        for seg, found in zip(chosen, classifier.classify_vectors(segment_vectors), strict=True):
            if found:
                out.segments.setdefault(seg.segment_id, []).extend(found)
    return out


def _keyword_texts(prose: list[Segment]) -> list[str]:
    """Passages for keywords' media vector: of the segments keywords read (their budget), at most
    ``MEDIA_VECTOR_PASSAGES``, evenly spaced. At ingest they are cache hits whatever their number;
    a re-enrichment whose vectors left the cache (a workflow step in another process) embeds
    about what the 8 runs of ``document_vector`` cost, however long the media."""
    chosen, _ = within_budget(prose, KEYWORD_CHARS)
    texts = [s.text for s in chosen]
    if len(texts) <= MEDIA_VECTOR_PASSAGES:
        return texts
    return [texts[k * len(texts) // MEDIA_VECTOR_PASSAGES] for k in range(MEDIA_VECTOR_PASSAGES)]


def _dim(embedder: QueryEmbedder) -> int:
    return int(getattr(embedder, "dim", 0))


def media_languages(segments: Sequence[StoredSegment]) -> list[str]:
    """The languages of the media's segments, most segments first (a mixed EN/ES video has both)."""
    counts = Counter(s.language for s in segments if s.language and s.text.strip())
    return [lang for lang, _ in counts.most_common()]


_classifiers: dict[tuple[str, Taxonomy, int], ZeroShotClassifier] = {}
_classifiers_lock = threading.Lock()
_MAX_CLASSIFIERS = 64


def _classifier(name: str, taxonomy: Taxonomy, embedder: QueryEmbedder) -> ZeroShotClassifier:
    """A taxonomy's labels are embedded once per process, not once per media; an edited
    taxonomy is another key, and the oldest go when too many are kept."""
    key = (name, taxonomy, id(embedder))
    with _classifiers_lock:
        found = _classifiers.get(key)
    if found is not None and found._embedder is embedder:
        return found
    built = ZeroShotClassifier(taxonomy, embedder, name)
    with _classifiers_lock:
        while len(_classifiers) >= _MAX_CLASSIFIERS:
            del _classifiers[next(iter(_classifiers))]
        _classifiers[key] = built
    return built


def _segments(segments: Sequence[StoredSegment], modalities: frozenset[str]) -> list[Segment]:
    return [
        Segment(s.id, s.text, s.start_s, s.page, s.language)
        for s in segments
        if str(s.modality) in modalities and s.text and s.text.strip()
    ]


def _read_once(stored: Sequence[StoredSegment], prose: list[Segment]) -> list[Segment]:
    """``prose`` for entity recognition: a chunk's text cut where the next chunk of the same text
    (page) begins, so the overlap chunking repeats (a sentence or two, ~11 % of a document's
    characters) is read once, whole, in the chunk that begins with it (``meta``'s ``char_start``,
    ``extract/chunking.py``)."""
    starts = {s.id: (getattr(s, "meta", None) or {}).get("char_start") for s in stored}
    out = []
    for seg, after in zip(prose, [*prose[1:], None][: len(prose)], strict=True):  # a photo: no prose
        start = starts.get(seg.segment_id)
        following = starts.get(after.segment_id) if after is not None else None
        if (
            after is not None
            and after.page == seg.page
            and isinstance(start, int)
            and isinstance(following, int)
            and start < following < start + len(seg.text)
        ):
            seg = seg._replace(text=seg.text[: following - start])
        out.append(seg)
    return out


def _only_prose(segments: Sequence[StoredSegment]) -> bool:
    return all(str(s.modality) in PROSE for s in segments if s.text and s.text.strip())
