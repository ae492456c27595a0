"""A user-supplied CLIP image tower (ONNX) as an image embedder, of any vector size."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from mediasift.embed.image.base import Label, l2_normalise
from mediasift.embed.image.preprocess import center_crop
from mediasift.errors import BackendUnavailable
from mediasift.models.onnx_session import cpu_session, shipped_graph
from mediasift.models.registry import InferenceModel

if TYPE_CHECKING:
    import onnxruntime


def _clip_files(directory: Path) -> tuple[dict[str, Any], Path]:
    """The tower's parsed ``config.json`` and the path of its ``image_encoder.onnx``."""
    config_path, model_path = directory / "config.json", directory / "image_encoder.onnx"
    if not (config_path.is_file() and model_path.is_file()):
        raise BackendUnavailable(
            f"clip image engine: expected config.json and image_encoder.onnx in {directory}"
        )
    return json.loads(config_path.read_text("utf-8")), model_path


def clip_dim(directory: Path) -> int:
    """The tower's vector size: ``dim`` in its ``config.json``, else the last dimension of its ONNX
    graph's first output (read from the graph alone: external weight files stay on disk)."""
    config, model_path = _clip_files(directory)
    if "dim" in config:
        return int(config["dim"])
    import onnx

    graph = onnx.load(str(model_path), load_external_data=False).graph
    shape = graph.output[0].type.tensor_type.shape.dim
    if not shape or not shape[-1].HasField("dim_value"):
        raise BackendUnavailable(f'clip image engine: give "dim" in {directory / "config.json"}')
    return int(shape[-1].dim_value)


class ClipDirectoryEmbedder(InferenceModel["onnxruntime.InferenceSession"]):
    """A user-supplied CLIP image tower: ``{dir}/image_encoder.onnx`` + ``{dir}/config.json``.

    ``config.json``: ``{"id": str, "dim": int, "input_size": int, "mean": [r, g, b], "std": [r, g, b]}``;
    ``dim`` may be left out when the graph's output names its size. The tower takes one float32
    NCHW batch of ``input_size`` squares, normalised by ``mean``/``std`` (CLIP's by default), and
    its first output is (batch, dim). It has no ImageNet head: ``labels`` is empty.
    """

    def __init__(self, directory: Path, threads: int = 2, cache_dirs: Sequence[Path] = ()) -> None:
        """``cache_dirs``: where the tower, stripped of any subnormal weights, is kept
        (``models/onnx_session.shipped_graph``)."""
        config, self._path = _clip_files(directory)
        self._cache_dirs = tuple(cache_dirs)
        self.id = str(config["id"])
        self.dim = clip_dim(directory)
        self._threads = threads
        self._size = int(config.get("input_size", 224))
        self._mean = np.asarray(config.get("mean", [0.48145466, 0.4578275, 0.40821073]), dtype=np.float32)
        self._std = np.asarray(config.get("std", [0.26862954, 0.26130258, 0.27577711]), dtype=np.float32)

    def load(self) -> onnxruntime.InferenceSession:
        session = cpu_session(shipped_graph(self._path, self._cache_dirs), self._threads)
        outputs = session.get_outputs()[0].shape
        if outputs and isinstance(outputs[-1], int) and outputs[-1] != self.dim:
            raise BackendUnavailable(
                f"clip image engine: config.json says dim {self.dim}, {self._path} outputs {outputs[-1]}"
            )
        return session

    def embed(self, images: list[Image.Image]) -> np.ndarray:
        if not images:
            return np.zeros((0, self.dim), dtype=np.float32)
        pixels = np.stack([center_crop(im, self._size) for im in images]).astype(np.float32) / 255.0
        batch = ((pixels - self._mean) / self._std).transpose(0, 3, 1, 2)
        with self.loaded() as session:
            name = session.get_inputs()[0].name
            (vectors,) = session.run(None, {name: np.ascontiguousarray(batch)})[:1]
        return l2_normalise(vectors)

    def labels(self, images: list[Image.Image], k: int = 5) -> list[list[Label]]:
        return [[] for _ in images]

    def embed_and_label(self, images: list[Image.Image], k: int = 5) -> tuple[np.ndarray, list[list[Label]]]:
        return self.embed(images), self.labels(images, k)
