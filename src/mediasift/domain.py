"""Plain types shared by every layer. No I/O here.

Units: times are seconds (float), sizes bytes, image sizes pixels, pages and slides 1-based.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from mediasift.errors import InvalidRequest


class MediaKind(StrEnum):
    VIDEO = "video"
    AUDIO = "audio"
    IMAGE = "image"
    DOCUMENT = "document"
    TEXT = "text"


class MediaStatus(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class JobType(StrEnum):
    INGEST = "ingest"
    REPROCESS = "reprocess"
    DELETE = "delete"
    RELABEL = "relabel"  # classify a ready media again from its stored segments (a taxonomy changed)


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # an attempt failed; it will run again after its backoff
    DEAD = "dead"  # out of attempts: the dead-letter state
    CANCELLED = "cancelled"


class Modality(StrEnum):
    SPEECH = "speech"  # what is heard
    OCR = "ocr"  # what is written in an image, frame, slide picture or scanned page
    TEXT = "text"  # a document's own text layer
    FRAME = "frame"  # a video keyframe (image vector, no text of its own)
    IMAGE = "image"  # a still image (image vector)
    TAG = "tag"  # labels of what an image shows
    NOTE = "note"  # speaker notes of a slide


# Embedding spaces an index keeps; each point may carry any subset.
TEXT_SPACE = "text"
IMAGE_SPACE = "image"

_SEGMENT_NS = uuid.UUID("6f1c0a52-7d0e-4a55-9b1e-2f6a1f2a9c11")


def segment_id(media_id: str, stage: str, index: int) -> str:
    """Deterministic id of a segment: re-running a stage replaces, never duplicates."""
    return str(uuid.uuid5(_SEGMENT_NS, f"{media_id}:{stage}:{index}"))


@dataclass(slots=True)
class Segment:
    """The unit of search and citation, as extraction produces it."""

    id: str
    media_id: str
    tenant_id: str
    modality: Modality
    text: str
    start_s: float | None = None
    end_s: float | None = None
    page: int | None = None
    frame_key: str | None = None
    language: str | None = None
    confidence: float | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Filters:
    """Optional narrowing of a search; the tenant is never optional and is passed separately."""

    kinds: list[str] | None = None
    collections: list[str] | None = None
    modalities: list[str] | None = None
    media_ids: list[str] | None = None
    languages: list[str] | None = None
    metadata: dict[str, str] | None = None  # exact match on media metadata keys (e.g. sku)
    # When the media was added, as ISO 8601 instants (strings, so filters stay JSON: chats store
    # them), both ends included. The index compares them with each point's ``added_at``.
    added_after: str | None = None
    added_before: str | None = None
    # What the media is about, in the encoded form points carry (``label_term``, ``entity_term``,
    # ``keyword_term``): any value of one list matches, and every list given must match.
    labels: list[str] | None = None
    entities: list[str] | None = None
    keywords: list[str] | None = None
    # Only media whose overall quality score (0–1) is at least this; unmeasured media are left out.
    min_quality: float | None = None


# The entity types enrichment emits (``enrich.entities.TYPES``): the prefixes of entity terms.
ENTITY_TYPES = ("PER", "ORG", "LOC", "DATE", "QUANTITY", "PRODUCT", "MISC")


def label_term(taxonomy: str, label: str) -> str:
    """A label as points carry it and filters name it: ``"<taxonomy>:<label>"``, as the tenant wrote them."""
    return f"{taxonomy}:{label}"


def entity_term(entity_type: str, text: str) -> str:
    """An entity as points carry it and filters name it: ``"<TYPE>:<casefolded text>"``."""
    return f"{entity_type}:{text.casefold()}"


def keyword_term(text: str) -> str:
    """A keyword as points carry it and filters name it: casefolded."""
    return text.casefold()


def added_bounds(filters: Filters | None) -> tuple[float | None, float | None]:
    """The added-date window as epoch seconds ``(after, before)``, either end None when open.

    An instant without an offset is UTC.
    """
    if filters is None:
        return None, None
    return _epoch(filters.added_after), _epoch(filters.added_before)


def epoch_seconds(instant: datetime) -> float:
    """Seconds since 1970-01-01 UTC; a naive datetime is UTC (SQLite hands timestamps back naive)."""
    return (instant if instant.tzinfo else instant.replace(tzinfo=UTC)).timestamp()


def _epoch(instant: str | None) -> float | None:
    if instant is None:
        return None
    try:
        return epoch_seconds(datetime.fromisoformat(instant))
    except ValueError:
        raise InvalidRequest(f"not an ISO 8601 instant: {instant!r}") from None


@dataclass(slots=True)
class IndexPoint:
    """What an index stores for one segment: vectors per space plus the payload filters use."""

    id: str  # the segment id
    tenant_id: str
    media_id: str
    kind: str
    collection: str
    modality: str
    text: str
    language: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    vectors: dict[str, list[float]] = field(default_factory=dict)  # space -> dense vector
    # When its media was added, epoch seconds. None (points indexed before the field existed):
    # found by every search without an added-date window and by none with one.
    added_at: float | None = None
    # What its media is about (every point of a media carries the same), encoded as ``Filters``
    # names them. Empty on points indexed before enrichment, until ``mediasift reindex``.
    labels: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    # Its media's overall quality score (0–1); None until measured: such points are found by every
    # search without ``min_quality`` and by none with it.
    quality: float | None = None


@dataclass(slots=True)
class IndexHit:
    id: str  # segment id
    media_id: str
    score: float


@dataclass(slots=True)
class Hit:
    """A segment found for a query, and where it came from: its media and the second, page or
    slide within it. The one record of a result: search returns hits, an answer's prompt numbers
    hits as its sources, and a citation is a hit narrowed to the sentence it quotes.
    """

    segment_id: str
    media_id: str
    filename: str
    kind: str
    modality: str
    text: str
    start_s: float | None = None
    end_s: float | None = None
    page: int | None = None
    score: float = 0.0  # higher is better; comparable only within one list of hits
    collection: str = "default"
    language: str | None = None
    frame_key: str | None = None
    # The segment's extraction details. A whole speech chunk keeps its timed ``parts`` here
    # (``{"start_s", "end_s", "text"}``); a search hit narrowed to the moment a query names has
    # them replaced by ``chunk_start_s``/``chunk_end_s``.
    meta: dict[str, Any] = field(default_factory=dict)
    # The picture of the moment: the segment's own keyframe, else (a speech hit, say) the video's
    # keyframe on screen at start_s.
    thumbnail_key: str | None = None
    ordinal: int = 0  # the segment's position among its media's segments (catalog order)
