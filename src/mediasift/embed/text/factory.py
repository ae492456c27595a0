"""The text embedder named by ``settings.text_embedder``, by lane, and its vector size."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mediasift.embed.text.e5 import E5SmallEmbedder

if TYPE_CHECKING:
    from mediasift.config import Settings
    from mediasift.embed.text.base import TextEmbedder
    from mediasift.models.registry import ModelRegistry

_ENGINES = {"e5-small": E5SmallEmbedder}  # settings.text_embedder -> engine


def get_text_embedder(models: ModelRegistry, settings: Settings) -> E5SmallEmbedder:
    """The interactive lane: for search and ask (its weights load at the first call)."""
    engine = _ENGINES[settings.text_embedder]
    return models.model(
        f"text:{settings.text_embedder}",
        lambda: engine(threads=settings.model_threads, batch=settings.embed_batch),
    )


def get_ingest_text_embedder(models: ModelRegistry, settings: Settings) -> TextEmbedder:
    """The ingest lane of the same model: for the pipeline's passages."""
    return get_text_embedder(models, settings).ingest


def text_embedder_dim(settings: Settings) -> int:
    """The vector size of the configured text embedder, known without loading it."""
    return _ENGINES[settings.text_embedder].dim
