"""A local GGUF model through llama-cpp-python (an optional extra, imported on first use).

Settings: ``llm_gguf_path`` (any local GGUF file), ``model_threads``. llama-cpp-python compiles
llama.cpp on install; on CPUs where the native build crashes, build it with explicit flags::

    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON \\
        -DGGML_BMI2=ON" pip install llama-cpp-python
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mediasift.answer.base import Prompt
from mediasift.errors import BackendUnavailable

INSTALL_HINT = (
    "llama-cpp-python is not installed: install it with "
    'CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON '
    '-DGGML_BMI2=ON" pip install llama-cpp-python, or set MEDIASIFT_ANSWER_MODEL to another model'
)


class LlamaCppModel:
    def __init__(
        self, gguf_path: Path | None, *, threads: int = 2, n_ctx: int = 4096, max_tokens: int = 512
    ) -> None:
        if gguf_path is None or not Path(gguf_path).is_file():
            raise BackendUnavailable(
                f"answer_model 'llamacpp' needs MEDIASIFT_LLM_GGUF_PATH to name a GGUF file (got {gguf_path})"
            )
        try:
            from llama_cpp import Llama
        except ImportError:
            raise BackendUnavailable(INSTALL_HINT) from None
        self.id = f"llamacpp:{Path(gguf_path).name}"
        self._max_tokens = max_tokens
        self._llm = Llama(model_path=str(gguf_path), n_ctx=n_ctx, n_threads=threads, verbose=False)
        # One llama.cpp context is not safe to share between threads; answers take turns.
        self._lock = threading.Lock()

    def generate(self, prompt: Prompt, *, max_tokens: int | None = None) -> str:
        with self._lock:
            out = self._complete(prompt, max_tokens, stream=False)
        return str(out["choices"][0]["message"].get("content") or "")

    def stream(self, prompt: Prompt, *, max_tokens: int | None = None) -> Iterator[str]:
        with self._lock:
            for chunk in self._complete(prompt, max_tokens, stream=True):
                text = chunk["choices"][0]["delta"].get("content")
                if text:
                    yield text

    def _complete(self, prompt: Prompt, max_tokens: int | None, *, stream: bool) -> Any:
        try:
            return self._llm.create_chat_completion(
                messages=prompt.messages(),
                max_tokens=max_tokens or self._max_tokens,
                temperature=0.1,
                stream=stream,
            )
        except (RuntimeError, ValueError) as exc:  # how llama.cpp reports context overflow and decode errors
            raise BackendUnavailable(f"local model {self.id} failed: {exc}") from None
