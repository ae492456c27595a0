"""Text vectors of a media's segments, as ingest and reindex both compute them for the index."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from mediasift.domain import Modality

if TYPE_CHECKING:
    from mediasift.runtime import Runtime

# The modalities whose text is embedded; a frame or an image has a picture, not words.
TEXT_MODALITIES = {
    Modality.SPEECH, Modality.OCR, Modality.TEXT, Modality.TAG, Modality.NOTE, Modality.CODE,
}  # fmt: skip


def embed_texts(
    rt: Runtime,
    tenant_id: str,
    items: list[tuple[str, str, str]],
    progress: Callable[[str, float], None] | None = None,
    *,
    extra: Sequence[tuple[str, str]] = (),
) -> dict[str, list[float]]:
    """Text vectors, batched, for the text-bearing items among ``(id, modality, text)``, and for
    every ``(id, text)`` of ``extra`` (sentences, ``services/sentence_vectors.py``) in the same batches.

    Cached by content hash for the tenant: a reprocess or a reindex with the same model, or a
    document repeating another's chunks, sends only text the tenant has not embedded to the model."""
    textual = [(i, text) for i, modality, text in items if modality in TEXT_MODALITIES and text.strip()]
    textual += [(i, text) for i, text in extra if text.strip()]
    # Batches of similar length: a batch is padded to its longest text, and padding is wasted work.
    textual.sort(key=lambda item: len(item[1]))
    embedder = rt.text_embedder(tenant_id, ingest=True)
    vectors: dict[str, list[float]] = {}
    batch = max(1, rt.settings.embed_batch)
    # Progress by characters, not texts: the texts go shortest first, so a table's thousands of
    # one-row sentences had shown 96 % done when half the time (its passages) was still to come.
    total = sum(len(t) for _, t in textual) or 1
    done = 0
    for start in range(0, len(textual), batch):
        part = textual[start : start + batch]
        for (item_id, _), vec in zip(part, embedder.embed_passages([t for _, t in part]), strict=True):
            vectors[item_id] = vec.tolist()
        done += sum(len(t) for _, t in part)
        if progress:
            progress("embed", min(1.0, done / total))
    return vectors
