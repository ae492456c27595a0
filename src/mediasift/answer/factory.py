"""The answer model named by ``Settings.answer_model``, built once per process.

Adding a provider is adding one module and one line to ``build_answer_model``.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from mediasift.answer.base import AnswerModel

if TYPE_CHECKING:
    from mediasift.config import Settings
    from mediasift.models.registry import ModelRegistry


SHAPING_SETTINGS = {
    "extractive": ("text_embedder",),
    "openai": (
        "openai_base_url",
        "openai_model",
        "openai_api_key",
        "llm_timeout_s",
        "llm_retries",
        "llm_max_tokens",
    ),
    "gemini": (
        "gemini_base_url",
        "gemini_model",
        "gemini_api_key",
        "llm_timeout_s",
        "llm_retries",
        "llm_max_tokens",
    ),
    "llamacpp": ("llm_gguf_path", "model_threads", "llm_max_tokens"),
}


def get_answer_model(models: ModelRegistry, settings: Settings) -> AnswerModel:
    """The configured answer model, shared by every request (a local GGUF loads once)."""
    # Keyed by a digest of everything that shapes the model, so changed settings never reuse a
    # stale client, and no API key shows in /health's list of loaded models.
    shape = repr([getattr(settings, k) for k in SHAPING_SETTINGS[settings.answer_model]])
    key = f"answer:{settings.answer_model}:{hashlib.sha256(shape.encode()).hexdigest()[:12]}"
    return models.get(key, lambda: build_answer_model(models, settings))


def build_answer_model(models: ModelRegistry, settings: Settings) -> AnswerModel:
    name = settings.answer_model
    if name == "extractive":
        from mediasift.answer.extractive import ExtractiveAnswerer
        from mediasift.embed.text.factory import get_text_embedder

        return ExtractiveAnswerer(get_text_embedder(models, settings), min_evidence=settings.ask_min_evidence)
    if name == "openai":
        from mediasift.answer.openai_compat import OpenAICompatibleModel

        return OpenAICompatibleModel(
            settings.openai_base_url,
            settings.openai_model,
            settings.openai_api_key,
            timeout_s=settings.llm_timeout_s,
            retries=settings.llm_retries,
            max_tokens=settings.llm_max_tokens,
        )
    if name == "gemini":
        from mediasift.answer.gemini import GeminiModel

        return GeminiModel(
            settings.gemini_api_key,
            settings.gemini_model,
            base_url=settings.gemini_base_url,
            timeout_s=settings.llm_timeout_s,
            retries=settings.llm_retries,
            max_tokens=settings.llm_max_tokens,
        )
    if name == "llamacpp":
        from mediasift.answer.llamacpp import LlamaCppModel

        return LlamaCppModel(
            settings.llm_gguf_path, threads=settings.model_threads, max_tokens=settings.llm_max_tokens
        )
    raise ValueError(f"unknown answer model {name!r}")  # Settings' Literal makes this unreachable
