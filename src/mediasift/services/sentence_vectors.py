"""Sentence vectors: each sentence of a prose segment embedded alone, stored on its segment.

A passage's vector averages its sentences, so the one sentence that answers a query is diluted by
its neighbours. Ingest's embed stage embeds every sentence of a prose segment alone, in the same
batches and content-hash cache as the passages (``services/text_vectors.embed_texts``), and the
catalog keeps them on the segment (``segment.sentence_vectors``: float16, n_sentences × dim, in
``answer/sentences.sentence_texts`` order). Search's second stage (``services/ranking.rescore``)
and ask's evidence (``answer/evidence.py``) read them back instead of embedding sentences per
request; a warm search finds them in an in-process LRU, not the catalog.

    prose: speech, a document's or text file's text, a slide and its notes, a scanned page
    one unit (its passage vector, one row): text read off a video's frames (a sign, a caption), code
    none: tags, pictures, keyframes, text read off a photo

A segment of one sentence stores its passage vector (no extra embedding); a sentence without a
content word ("Sí.", "★") stores zeros, so it never counts as the best sentence.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from mediasift.answer.sentences import sentence_texts
from mediasift.catalog.hits import sentence_vectors as stored_sentence_vectors
from mediasift.domain import MediaKind, Modality, Segment, embedded_text
from mediasift.enrich.terms import terms
from mediasift.services.text_vectors import embed_texts

if TYPE_CHECKING:
    from mediasift.domain import Hit
    from mediasift.runtime import Runtime

_PROSE = frozenset({Modality.SPEECH, Modality.TEXT, Modality.NOTE})
_NOT_PROSE_KINDS = frozenset({MediaKind.IMAGE, MediaKind.CODE})
_KEY_SEP = "\x00"  # between a segment id and a sentence's position, in embed_texts' keys
RECENT_SEGMENTS = 4096  # segments whose sentence vectors a process keeps in memory


def has_sentences(modality: str, kind: str | None) -> bool:
    """Whether segments of ``modality`` in a media of ``kind`` are prose, embedded sentence by
    sentence. Text read off a photo or a video's frames is labels and fragments, not sentences;
    a scanned page's is a document's."""
    if kind in _NOT_PROSE_KINDS:
        return False
    return modality in _PROSE or (modality == Modality.OCR and kind == MediaKind.DOCUMENT)


def is_one_unit(modality: str, kind: str | None) -> bool:
    """Whether segments of ``modality`` in a media of ``kind`` are one unit, not prose: a sign or
    caption read off a video's frames, a function or class of code. Their one stored row is their
    passage vector (no extra embedding), so the second stage scores them on the scale of prose
    sentences rather than keeping their first-stage rank (a keyword match on ``password`` in code
    outranked the sentence saying where the wifi password is). A photo's tags, tried the same
    way, lost: the image model's labels are often wrong."""
    return (modality == Modality.OCR and kind == MediaKind.VIDEO) or modality == Modality.CODE


def has_vectors(modality: str, kind: str | None) -> bool:
    """Whether segments of ``modality`` in a media of ``kind`` store ``sentence_vectors``."""
    return has_sentences(modality, kind) or is_one_unit(modality, kind)


def embed_segments(
    rt: Runtime,
    tenant_id: str,
    segments: Sequence[Segment],
    kind: str,
    progress: Callable[[str, float], None] | None = None,
) -> dict[str, list[float]]:
    """The text vectors of ``segments`` (a media of ``kind``) by segment id, as ``embed_texts``
    gives them; every prose segment also gets ``sentence_vectors``, its sentences embedded in the
    same batches."""
    items = [(seg.id, str(seg.modality), embedded_text(seg.text, seg.meta)) for seg in segments]
    sentences = {
        seg.id: sentence_texts(seg.text, seg.meta)
        for seg in segments
        if has_sentences(seg.modality, kind) and seg.text.strip()
    }
    extra = [
        (f"{segment_id}{_KEY_SEP}{k}", text)
        for segment_id, texts in sentences.items()
        if len(texts) > 1
        for k, text in enumerate(texts)
        if terms(text)
    ]
    vectors = embed_texts(rt, tenant_id, items, progress, extra=extra)
    for seg in segments:
        if is_one_unit(seg.modality, kind) and seg.id in vectors:
            seg.sentence_vectors = encode([vectors[seg.id]])
            continue
        texts = sentences.get(seg.id)
        passage = vectors.get(seg.id)
        if not texts or passage is None:
            continue
        if len(texts) == 1:
            seg.sentence_vectors = encode([passage])
            continue
        zeros = [0.0] * len(passage)
        rows = [vectors.get(f"{seg.id}{_KEY_SEP}{k}", zeros) for k in range(len(texts))]
        seg.sentence_vectors = encode(rows)
    return {key: v for key, v in vectors.items() if _KEY_SEP not in key}


def encode(rows: Sequence[Sequence[float]]) -> bytes:
    """Vectors as stored: float16 (half the bytes; cosines move by under 1e-3), row-major."""
    return np.asarray(rows, dtype=np.float16).tobytes()


# Every float16 bit pattern's float32 value, as numpy's own cast gives it (256 KiB). NumPy casts
# float16 to float32 one element at a time; looking the 16 bits up in this table gives the same
# bits faster (3x on one large array, 1.2-2x on one segment's rows), and a search that finds no
# vectors in memory decodes ~45 segments' worth (bench/ranking_latency.py's ``now_cold``).
_HALF_TO_SINGLE = np.arange(1 << 16, dtype=np.uint16).view(np.float16).astype(np.float32)


def decode(blob: bytes | None, dim: int) -> np.ndarray | None:
    """Stored vectors as a float32 (n, dim) matrix, each value exactly its float16 one; None when
    there are none or they are not of ``dim`` (written by another model before a reindex)."""
    if blob is None or not _rows(blob, dim):
        return None
    return _HALF_TO_SINGLE.take(np.frombuffer(blob, dtype=np.uint16)).reshape(-1, dim)


def decode_many(blobs: Sequence[bytes | None], dim: int) -> list[np.ndarray | None]:
    """``decode`` of each of ``blobs``, in one lookup for all of them: a search that finds none in
    memory decodes ~45 segments' rows, and one ``take`` over all costs less than one each. Each
    matrix is its own copy, so that keeping one (the LRU does) does not keep the others."""
    sizes = [_rows(blob, dim) for blob in blobs]
    if not any(sizes):
        return [None] * len(blobs)
    joined = b"".join(blob for blob, n in zip(blobs, sizes, strict=True) if n and blob)
    rows = _HALF_TO_SINGLE.take(np.frombuffer(joined, dtype=np.uint16)).reshape(-1, dim)
    out: list[np.ndarray | None] = []
    at = 0
    for n in sizes:
        out.append(rows[at : at + n].copy() if n else None)
        at += n
    return out


def _rows(blob: bytes | None, dim: int) -> int:
    """How many float16 rows of ``dim`` ``blob`` holds: 0 when none, or when it is not whole rows."""
    if not blob or len(blob) % (2 * dim):
        return 0
    return len(blob) // (2 * dim)


class _Recent:
    """The sentence vectors of recently ranked segments, least recently used dropped first. Keyed
    by tenant, segment id and text: a reprocessed segment keeps its id, and its new text misses."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, str, int], np.ndarray | None] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, int]) -> tuple[bool, np.ndarray | None]:
        with self._lock:
            if key not in self._items:
                return False, None
            self._items.move_to_end(key)
            return True, self._items[key]

    def clear(self) -> None:
        """Forget everything (a reindex rewrote the stored vectors)."""
        with self._lock:
            self._items.clear()

    def put(self, key: tuple[str, str, int], value: np.ndarray | None) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


RECENT = _Recent(RECENT_SEGMENTS)


def stored(
    rt: Runtime, tenant_id: str, hits: Sequence[Hit], dim: int, *, units: bool = False
) -> dict[str, np.ndarray]:
    """The sentence vectors (float32, n × ``dim``) of those ``hits`` that have some, by segment
    id: from memory, else in one catalog query for all the rest. ``units``: also the one row of
    a one-unit segment (``is_one_unit``), which search's second stage compares on the sentence
    scale; ask leaves them out, since it quotes code by its summary, not by the text embedded."""
    found: dict[str, np.ndarray] = {}
    missing: dict[str, tuple[str, str, int]] = {}
    has = has_vectors if units else has_sentences
    for hit in hits:
        if not has(hit.modality, hit.kind):
            continue
        key = (tenant_id, hit.segment_id, hash(hit.text))
        known, vectors = RECENT.get(key)
        if not known:
            missing[hit.segment_id] = key
        elif vectors is not None:
            found[hit.segment_id] = vectors
    if missing:
        with rt.catalog.read_session() as s:
            blobs = stored_sentence_vectors(s, tenant_id, missing)
        decoded = decode_many([blobs.get(segment_id) for segment_id in missing], dim)
        for (segment_id, key), vectors in zip(missing.items(), decoded, strict=True):
            RECENT.put(key, vectors)
            if vectors is not None:
                found[segment_id] = vectors
    return found
