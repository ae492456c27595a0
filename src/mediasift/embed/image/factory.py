"""The image embedder named by ``settings.image_embedder``, and its vector size without loading it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mediasift.errors import BackendUnavailable

if TYPE_CHECKING:
    from mediasift.config import Settings
    from mediasift.embed.image.base import ImageEmbedder
    from mediasift.models.registry import ModelRegistry

# ``EfficientNetLite0Embedder.dim``, here so that opening a home (the index's image space) does
# not import the engine and Pillow (tests/extract/test_image_embed.py checks the two agree)
EFFICIENTNET_LITE0_DIM = 1280


def get_image_embedder(models: ModelRegistry, settings: Settings) -> ImageEmbedder:
    """The engine named by ``settings.image_embedder`` (default ``efficientnet-lite0``); its
    weights load at its first call."""
    # The engines' modules import Pillow (~0.07 s): only a process that embeds pictures pays it.
    from mediasift.embed.image.clip import ClipDirectoryEmbedder
    from mediasift.embed.image.efficientnet_lite import EfficientNetLite0Embedder

    name = settings.image_embedder
    threads, batch = settings.model_threads, settings.embed_batch
    if name == "efficientnet-lite0":
        built = (settings.resolved_model_cache,)
        return models.model(
            "image:efficientnet-lite0", lambda: EfficientNetLite0Embedder(threads, batch, built)
        )
    if name == "clip":
        directory = _clip_directory(settings)
        built = (settings.resolved_model_cache,)
        return models.model(
            f"image:clip:{directory}", lambda: ClipDirectoryEmbedder(directory, threads, built)
        )
    raise BackendUnavailable(f"unknown image embedder {name!r}; choose efficientnet-lite0 or clip")


def image_embedder_dim(settings: Settings) -> int:
    """The vector size of ``settings.image_embedder``, known without loading the model."""
    if settings.image_embedder == "clip":
        from mediasift.embed.image.clip import clip_dim

        return clip_dim(_clip_directory(settings))
    if settings.image_embedder == "efficientnet-lite0":
        return EFFICIENTNET_LITE0_DIM
    raise BackendUnavailable(
        f"unknown image embedder {settings.image_embedder!r}; choose efficientnet-lite0 or clip"
    )


def _clip_directory(settings: Settings) -> Path:
    if not settings.clip_model_dir:
        raise BackendUnavailable("image_embedder=clip needs MEDIASIFT_CLIP_MODEL_DIR (a local directory)")
    return Path(settings.clip_model_dir)
