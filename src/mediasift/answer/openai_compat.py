"""Any OpenAI-compatible ``/v1/chat/completions`` endpoint: OpenAI, vLLM, Ollama, llama.cpp server.

Settings: ``openai_base_url`` (the API root, ending in ``/v1``), ``openai_model``,
``openai_api_key`` (sent as a bearer token when set; local servers usually need none).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from mediasift.answer.base import Prompt
from mediasift.answer.http import JsonApi
from mediasift.errors import BackendUnavailable


class OpenAICompatibleModel:
    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        *,
        timeout_s: float = 60.0,
        retries: int = 2,
        max_tokens: int = 512,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.id = f"openai:{model}"
        self._model = model
        self._max_tokens = max_tokens
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._api = JsonApi(
            base_url,
            name=f"answer model {model!r}",
            headers=headers,
            timeout_s=timeout_s,
            retries=retries,
            transport=transport,
        )

    def generate(self, prompt: Prompt, *, max_tokens: int | None = None) -> str:
        body = self._body(prompt, max_tokens, stream=False)
        response = self._api.post("chat/completions", body)
        try:
            return str(response["choices"][0]["message"]["content"] or "")
        except (KeyError, IndexError, TypeError):
            raise BackendUnavailable(
                f"{self._api.name} answered without a message: {response!r:.200}"
            ) from None

    def stream(self, prompt: Prompt, *, max_tokens: int | None = None) -> Iterator[str]:
        body = self._body(prompt, max_tokens, stream=True)
        for event in self._api.stream_events("chat/completions", body):
            for choice in event.get("choices") or []:
                text = (choice.get("delta") or {}).get("content")
                if text:
                    yield text

    def close(self) -> None:
        self._api.close()

    def _body(self, prompt: Prompt, max_tokens: int | None, *, stream: bool) -> dict[str, Any]:
        return {
            "model": self._model,
            "messages": prompt.messages(),
            "max_tokens": max_tokens or self._max_tokens,
            "temperature": 0.1,  # grounded answers: stay close to the sources
            "stream": stream,
        }
