"""The contract between the pipeline and each extractor.

An extractor is a function ``(ExtractContext) -> Extraction``: it reads the media's local file,
writes artifacts through the context, reports progress, and returns segments. It raises
``UnsupportedMedia`` / ``CorruptMedia`` / ``LimitExceeded`` for bad input. It never embeds text
(the pipeline does that, batched, for every text-bearing segment) but may return image vectors,
since only it holds the decoded pixels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mediasift.domain import Modality, Segment, segment_id
from mediasift.store.base import processed_key
from mediasift.text_form import searchable, storable

if TYPE_CHECKING:
    from PIL import Image

    from mediasift.asr.vad import Heard
    from mediasift.config import Settings
    from mediasift.models.registry import ModelRegistry
    from mediasift.store.base import ObjectStore


@dataclass
class Extraction:
    segments: list[Segment] = field(default_factory=list)
    image_vectors: dict[str, list[float]] = field(default_factory=dict)  # segment id -> vector
    # Media columns to update: duration_s, width, height, pages, language; and "metadata" (dict)
    # merged into the media's metadata JSON.
    info: dict[str, Any] = field(default_factory=dict)
    # The still image as extraction decoded it (kind "image"), so the quality stage measures these
    # pixels instead of decoding the original again; never stored.
    picture: Image.Image | None = field(default=None, repr=False)
    # What speech recognition's voice activity pass over the audio saw, so the quality stage
    # measures the speech without decoding and scanning the audio again; never stored.
    heard: Heard | None = field(default=None, repr=False)

    def normalise(self) -> None:
        """Every string of the segments' texts and metadata and of ``info`` made storable (a NUL
        character a space, a lone surrogate U+FFFD), and the texts written in search's form
        (``text_form.searchable``: composed, without invisible in-word characters).

        A NUL can sit in a text file past the first 8 KB the sniffer reads, or in a document's or
        a picture's metadata: PostgreSQL refuses it in text (and in JSON as soon as a query reads
        the value), and the text embedder reads a string only up to it. A lone surrogate (what
        Python keeps of bytes it could not decode) no catalog or JSON stores. Both are replaced
        by one character, so every ``char_start``/``char_end`` points where it did; the text a
        document is chunked from is put in search's form before chunking
        (``chunking.text_segments``), so its offsets hold.
        """
        for segment in self.segments:
            segment.text = searchable(storable(segment.text))
            if segment.meta:
                segment.meta = storable(segment.meta)
        self.info = storable(self.info)


@dataclass
class ExtractContext:
    media_id: str
    tenant_id: str
    kind: str
    mime: str
    path: Path
    filename: str
    settings: Settings
    models: ModelRegistry
    store: ObjectStore
    progress: Callable[[str, float], None] = lambda stage, fraction: None
    # What a collection's workflow asks extraction for (all of it by default): speech recognition,
    # OCR of pictures and pages, and OCR of a video's keyframes. What is not asked for is not run.
    speech: bool = True
    ocr: bool = True
    ocr_frames: bool = True
    # Called first thing in a thread that runs beside speech recognition (a video's frame lane):
    # the pipeline lowers that thread's priority, so on few cores recognition, the ingest's longest
    # part, gets them first and the lane takes what it leaves.
    beside_speech: Callable[[], object] = lambda: None
    _counters: dict[str, int] = field(default_factory=dict)
    written: set[str] = field(default_factory=set)  # the artifacts' keys, this run's

    def artifact(self, name: str, data: bytes, content_type: str | None = None) -> str:
        """Store an artifact under processed/{tenant}/{media}/{name}; returns its key."""
        key = processed_key(self.tenant_id, self.media_id, name)
        self.store.put_bytes(key, data, content_type)
        self.written.add(key)
        return key

    def segment(self, stage: str, modality: Modality, text: str, **fields: Any) -> Segment:
        """A new segment with a deterministic id: (media, stage, running index within the stage)."""
        index = self._counters.get(stage, 0)
        self._counters[stage] = index + 1
        return Segment(
            id=segment_id(self.media_id, stage, index),
            media_id=self.media_id,
            tenant_id=self.tenant_id,
            modality=modality,
            text=text,
            **fields,
        )
