"""Plain types shared by every layer. No I/O here.

Units: times are seconds (float), sizes bytes, image sizes pixels, pages and slides 1-based.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from mediasift.errors import InvalidRequest
from mediasift.text_form import searchable


class MediaKind(StrEnum):
    VIDEO = "video"
    AUDIO = "audio"
    IMAGE = "image"
    DOCUMENT = "document"
    TEXT = "text"
    CODE = "code"  # a source file, a notebook, or a repository archive (.zip, .tar.gz)


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
    CONVERT = "convert"  # write a media in another format (services/conversions.py)
    NUTRITION = "nutrition"  # a ready media's foods and nutrients, from its stored segments and keyframes
    STEP = "step"  # one step of a collection's workflow for a media (services/workflow_steps.py)


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
    CODE = "code"  # a function, class, method or run of statements of a source file


# Embedding spaces an index keeps; each point may carry any subset.
TEXT_SPACE = "text"
IMAGE_SPACE = "image"

_SEGMENT_NS = uuid.UUID("6f1c0a52-7d0e-4a55-9b1e-2f6a1f2a9c11")

# A speech segment read from a subtitle track indexed beside the media's transcript carries the
# track's stream in ``meta["track"]`` (``extract/av.py``).
SUBTITLE_TRACK = "track"


def beside_the_transcript(modality: str, meta: Mapping[str, Any] | None) -> bool:
    """Whether a segment is a subtitle track's beside the transcript: a translation of what is
    said, searched in its own words, but not read again as what the media says (summary,
    keywords, entities, labels, foods: each would count it twice)."""
    return str(modality) == Modality.SPEECH and SUBTITLE_TRACK in (meta or {})


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
    # Its sentences embedded alone, float16 n × dim bytes (``services/sentence_vectors.py``); one
    # row, its passage vector, for on-screen text and code; None for tags, pictures, photo text.
    sentence_vectors: bytes | None = None


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
    # Where in a repository, as ``path_filter_terms`` encodes ``src/*``, ``*.py`` or a file's path:
    # any value matches (points carry their file's ``path_terms``).
    paths: list[str] | None = None
    # Only media whose overall quality score (0–1) is at least this; unmeasured media are left out.
    min_quality: float | None = None


# The entity types enrichment emits (``enrich.entities.TYPES``): the prefixes of entity terms.
ENTITY_TYPES = ("PER", "ORG", "LOC", "DATE", "QUANTITY", "PRODUCT", "MISC")


def label_term(taxonomy: str, label: str) -> str:
    """A label as points carry it and filters name it: ``"<taxonomy>:<label>"``, as the tenant wrote them
    (in search's written form, like every term: ``text_form.searchable``)."""
    return searchable(f"{taxonomy}:{label}")


def entity_term(entity_type: str, text: str) -> str:
    """An entity as points carry it and filters name it: ``"<TYPE>:<casefolded text>"``."""
    return f"{entity_type}:{searchable(text).casefold()}"


def keyword_term(text: str) -> str:
    """A keyword as points carry it and filters name it: casefolded."""
    return searchable(text).casefold()


def loose_term(term: str) -> str:
    """A label, entity or keyword term (the three functions above) casefolded and without its
    letters' marks, an entity's type kept: ``"PER:ana botín"`` → ``"PER:ana botin"``. Points carry
    it beside the written term and filters ask for both, so "PER:Ana Botin" finds the media that
    says "Ana Botín", as search's words fold accents. A point indexed before it carries only the
    written term, which a filter written with its accents still matches."""
    kind, sep, text = term.partition(":")
    if sep and kind in ENTITY_TYPES:
        return f"{kind}:{_unmarked(text.casefold())}"
    return _unmarked(term.casefold())


def with_loose_terms(terms: Iterable[str]) -> tuple[str, ...]:
    """``terms`` without repeats, each followed by its ``loose_term`` where that differs."""
    return tuple(dict.fromkeys(form for term in terms for form in (term, loose_term(term))))


def _unmarked(text: str) -> str:
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch)
    ))  # fmt: skip


def path_terms(path: str) -> tuple[str, ...]:
    """The terms a file at ``path`` (relative, ``/``-separated) is found by: the path itself, each
    folder it is in (``src/``, ``src/jobs/``), its extension (``*.py``) and each folder with it
    (``src/*.py``, ``src/jobs/*.py``). Empty for no path."""
    path = path.strip("/")
    if not path:
        return ()
    folders = path.split("/")[:-1]
    name = path.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    extension = name[dot:].casefold() if dot > 0 else ""
    terms = [path]
    for depth in range(1, len(folders) + 1):
        folder = "/".join(folders[:depth]) + "/"
        terms.append(folder)
        if extension:
            terms.append(f"{folder}*{extension}")
    if extension:
        terms.append(f"*{extension}")
    return tuple(terms)


def path_filter_terms(pattern: str) -> list[str]:
    """A path filter as the terms ``path_terms`` gives points: ``src/*`` (or ``src/**``, ``src/``)
    is anything under ``src``, ``*.py`` any Python file, ``src/*.py`` (or ``src/**/*.py``) any under
    ``src``, and a path without wildcards that file or that folder. Other wildcards are
    ``InvalidRequest``: the index matches whole terms, not globs."""
    text = pattern.strip().replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    folder, _, name = text.lstrip("/").rpartition("/")
    folder = folder.removesuffix("**").rstrip("/")
    if "*" in folder or "?" in text or "[" in text or not (folder or name.strip("*")):
        raise InvalidRequest(_PATH_SHAPES.format(pattern=pattern))
    prefix = f"{folder}/" if folder else ""
    if name in ("", "*", "**"):
        return [prefix]
    if name.startswith("*.") and "*" not in name[1:]:
        return [f"{prefix}*{name[1:].casefold()}"]
    if "*" in name:
        raise InvalidRequest(_PATH_SHAPES.format(pattern=pattern))
    return [prefix + name, f"{prefix}{name}/"]


_PATH_SHAPES = (
    "path filter {pattern!r}: use a folder (src/*), an extension (*.py), both (src/*.py) or a path "
    "without wildcards"
)


# Letters or digits a text read off a picture needs to say anything: "O", "★", "8" do not, and
# a video of 45 such frames had filled every search's candidates with them.
# A collection's name: letters of any alphabet ("recetas-de-cocina", "café"), digits, "_", "-" and
# ".", as uploads, direct uploads and workflows all take it (each had had its own rule).
COLLECTION_PATTERN = r"[\w.\-]{1,200}"
_COLLECTION = re.compile(COLLECTION_PATTERN)


def collection_name(name: str) -> str:
    """``name`` as a collection is kept (NFC), or ``InvalidRequest`` saying what one may hold."""
    kept = unicodedata.normalize("NFC", name)
    if not _COLLECTION.fullmatch(kept):
        raise InvalidRequest(
            "collection must be 1-200 characters of letters (any alphabet), digits, '_', '-', '.'"
        )
    return kept


MIN_INFO_CHARS = 3
_WORD_CHAR = re.compile(r"\w", re.UNICODE)


def informative(text: str, min_chars: int = MIN_INFO_CHARS) -> bool:
    """Whether a text read off a picture says anything: at least ``min_chars`` letters or digits."""
    return len(_WORD_CHAR.findall(text)) >= min_chars


def indexed_text(text: str, meta: dict[str, Any] | None) -> str:
    """What a segment is keyword-indexed as: its text, after the ``search_header`` its extractor
    gave it (code: the symbol's words, signature, docstring and path), so a function is found by
    what it is for and by its name, while its text stays the code itself."""
    header = (meta or {}).get("search_header")
    return f"{header}\n{text}" if header else text


# Characters of a segment with a ``search_header`` that are embedded: the header and the code's
# first lines. Code is dense in tokens (about one per three characters), and what a function is
# for is said in its name, signature and docstring; the whole of a 60-line chunk would cost the
# text model ~2.5 times as much for little more meaning.
EMBEDDED_CODE_CHARS = 1000


def embedded_text(text: str, meta: dict[str, Any] | None) -> str:
    """What a segment is embedded as: ``indexed_text``, cut to ``EMBEDDED_CODE_CHARS`` when it has
    a ``search_header`` (code); other segments' text as it is."""
    whole = indexed_text(text, meta)
    return whole[:EMBEDDED_CODE_CHARS] if (meta or {}).get("search_header") else whole


def code_reference(meta: dict[str, Any] | None) -> str | None:
    """Where a segment of source code is, as people cite it: ``path:line_start-line_end``
    (``path#cell3:1-12`` for a notebook's cell); None for a segment that is not in a file."""
    meta = meta or {}
    path, start, end = meta.get("path"), meta.get("line_start"), meta.get("line_end")
    if not path or start is None:
        return None
    cell = f"#cell{meta['cell']}" if meta.get("cell") is not None else ""
    return f"{path}{cell}:{start}-{end if end is not None else start}"


def added_bounds(filters: Filters | None) -> tuple[float | None, float | None]:
    """The added-date window as epoch seconds ``(after, before)``, either end None when open.

    An instant without an offset is UTC.
    """
    if filters is None:
        return None, None
    return _epoch(filters.added_after), _epoch(filters.added_before)


def utc_text(when: datetime | None = None, timespec: str = "auto") -> str:
    """``when`` (default: now) as the API writes times: RFC 3339 in UTC with ``Z`` (pydantic's
    form), so a webhook's, a report's and a response's times read alike."""
    when = datetime.now(UTC) if when is None else when
    return when.astimezone(UTC).isoformat(timespec=timespec).replace("+00:00", "Z")


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
    # The terms of its file's path (``path_terms``): code and the files of a repository only.
    paths: tuple[str, ...] = ()
    # Its media's overall quality score (0–1); None until measured: such points are found by every
    # search without ``min_quality`` and by none with it.
    quality: float | None = None


EXTRACTED_METADATA = "extracted"  # the media metadata key extraction's details live under


def user_metadata(meta: Mapping[str, Any] | None) -> dict[str, Any]:
    """A media's metadata without what extraction recorded (EXIF, pHash…): the user's own keys."""
    return {k: v for k, v in (meta or {}).items() if k != EXTRACTED_METADATA}


def metadata_value(meta: Mapping[str, Any] | None, key: str) -> str | None:
    """``key``'s value of a media's metadata as filters and groups compare it (a string), or
    None when it is missing or not a scalar (a nested object cannot be matched)."""
    value = (meta or {}).get(key)
    if key == EXTRACTED_METADATA or not isinstance(value, str | int | float | bool):
        return None
    return str(value)


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
    # How well its media fits the searching user's profile (0-1), when the search was personalized
    affinity: float | None = None
    # The media's own metadata as the user or the bucket key gave it (sku, client, s3_key,
    # media_type…): ``user_metadata`` of the media row, the same for every hit of one media.
    media_meta: dict[str, Any] = field(default_factory=dict)
    # A speech hit whose moment no query word pointed at (a query in other words, or the other
    # language): the seconds of each of its stored sentences, for search's second stage to point
    # it at the sentence that matches best (``ranking.rescore``).
    sentence_spans: list[tuple[float | None, float | None]] | None = None
