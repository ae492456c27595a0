""" "More like this" and recommendations read the nearest media, not the nearest segments: one
media of many segments (a repository's functions) must not crowd the others out of the list."""

from __future__ import annotations

import uuid

import numpy as np

from mediasift.domain import TEXT_SPACE, IndexPoint
from mediasift.runtime import Runtime
from mediasift.services.recommendations import _nearest_media


def _point(media_id: str, vector: np.ndarray) -> IndexPoint:
    return IndexPoint(
        id=str(uuid.uuid4()), tenant_id="default", media_id=media_id, kind="code", collection="default",
        modality="code", text="", vectors={TEXT_SPACE: (vector / np.linalg.norm(vector)).tolist()},
    )  # fmt: skip


def test_a_media_of_many_segments_does_not_crowd_out_the_others(runtime: Runtime) -> None:
    rng = np.random.default_rng(3)
    dims = runtime.index.dims[TEXT_SPACE]
    query = rng.normal(size=dims)
    repository = [_point("repo", query + rng.normal(scale=0.3, size=dims)) for _ in range(400)]
    others = [_point(f"doc{i}", query + rng.normal(scale=1.5, size=dims)) for i in range(8)]
    runtime.index.upsert(repository + others)

    nearest = _nearest_media(runtime, "default", query / np.linalg.norm(query), wanted=6, exclude=set())
    assert "repo" in nearest and len(nearest) >= 6  # 50 segments deep, the repository alone filled it
    assert len(_nearest_media(runtime, "default", query, wanted=20, exclude=set())) == 9  # all there is
