"""One text vector per media, what a user's profile and "more like this" are made of.

A media's vector is the normalised mean of the text vectors of its first ``SEGMENTS_PER_MEDIA``
text segments, embedded as ingest embedded them (``embedded_text``), so the embedding cache
usually answers without the model. Stored in the catalog (``media_vector``) the first time it is
needed and recomputed when the media changed after (a reprocess) or the embedding model is another.
A media without text (a photo without labels) has none: it counts in profiles only by its
collection and labels.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from mediasift.catalog import profiles
from mediasift.domain import embedded_text
from mediasift.services.text_vectors import TEXT_MODALITIES

if TYPE_CHECKING:
    from mediasift.runtime import Runtime

SEGMENTS_PER_MEDIA = 8
_FLOAT32 = np.dtype("<f4")


def to_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=_FLOAT32).tobytes()


def from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype=_FLOAT32)


def media_vectors(rt: Runtime, tenant_id: str, media_ids: Iterable[str]) -> dict[str, np.ndarray]:
    """Unit text vectors of the tenant's media among ``media_ids`` (media without text are left out)."""
    ids = list(dict.fromkeys(media_ids))
    embedder = rt.text_embedder(tenant_id)
    with rt.catalog.read_session() as s:
        states = profiles.media_vector_states(s, tenant_id, ids)
    found: dict[str, np.ndarray] = {}
    stale = []
    for media_id, state in states.items():
        if (
            state.model_id == embedder.id
            and state.updated_at is not None
            and (state.media_updated_at == state.updated_at)
        ):
            if state.vector is not None:
                found[media_id] = from_bytes(state.vector)
        else:
            stale.append(media_id)
    if stale:
        found.update(_compute(rt, tenant_id, stale, {m: states[m].updated_at for m in stale}))
    return found


def _compute(rt: Runtime, tenant_id: str, media_ids: list[str], updated: dict) -> dict[str, np.ndarray]:
    embedder = rt.text_embedder(tenant_id)
    with rt.catalog.read_session() as s:
        texts = profiles.leading_texts(
            s, tenant_id, media_ids, [str(m) for m in TEXT_MODALITIES], SEGMENTS_PER_MEDIA
        )
    flat = [
        (media_id, embedded_text(text, meta)) for media_id, parts in texts.items() for text, meta in parts
    ]
    matrix = embedder.embed_passages([text for _, text in flat]) if flat else np.zeros((0, embedder.dim))
    sums: dict[str, np.ndarray] = {}
    for (media_id, _), row in zip(flat, matrix, strict=True):
        sums[media_id] = sums.get(media_id, 0) + row
    vectors = {}
    for media_id, total in sums.items():
        norm = float(np.linalg.norm(total))
        if norm > 0:
            vectors[media_id] = (total / norm).astype(np.float32)
    with rt.catalog.session() as s:
        for media_id in media_ids:
            vector = vectors.get(media_id)
            profiles.save_media_vector(
                s,
                tenant_id,
                media_id,
                embedder.id,
                None if vector is None else to_bytes(vector),
                updated[media_id],
            )
    return vectors
