"""Google Gemini through its REST API: ``generateContent`` and ``streamGenerateContent?alt=sse``.

Settings: ``gemini_api_key`` (sent in the ``x-goog-api-key`` header, not the URL, so it never lands
in access logs), ``gemini_model``, ``gemini_base_url``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from mediasift.answer.base import Prompt
from mediasift.answer.http import JsonApi
from mediasift.errors import BackendUnavailable


class GeminiModel:
    def __init__(
        self,
        api_key: str | None,
        model: str = "gemini-2.0-flash",
        *,
        base_url: str = "https://generativelanguage.googleapis.com/v1beta",
        timeout_s: float = 60.0,
        retries: int = 2,
        max_tokens: int = 512,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if not api_key:
            raise BackendUnavailable("answer_model 'gemini' needs MEDIASIFT_GEMINI_API_KEY to be set")
        self.id = f"gemini:{model}"
        self._model = model
        self._max_tokens = max_tokens
        self._api = JsonApi(
            base_url,
            name=f"Gemini {model!r}",
            headers={"x-goog-api-key": api_key},
            timeout_s=timeout_s,
            retries=retries,
            transport=transport,
        )

    def generate(self, prompt: Prompt, *, max_tokens: int | None = None) -> str:
        response = self._api.post(f"models/{self._model}:generateContent", self._body(prompt, max_tokens))
        if not response.get("candidates"):
            reason = (response.get("promptFeedback") or {}).get("blockReason", "no candidates")
            raise BackendUnavailable(f"{self._api.name} returned no answer ({reason})")
        return _text(response)

    def stream(self, prompt: Prompt, *, max_tokens: int | None = None) -> Iterator[str]:
        path = f"models/{self._model}:streamGenerateContent"
        for event in self._api.stream_events(path, self._body(prompt, max_tokens), params={"alt": "sse"}):
            text = _text(event)
            if text:
                yield text

    def close(self) -> None:
        self._api.close()

    def _body(self, prompt: Prompt, max_tokens: int | None) -> dict[str, Any]:
        return {
            "systemInstruction": {"parts": [{"text": prompt.system}]},
            "contents": [{"role": "user", "parts": [{"text": prompt.user}]}],
            "generationConfig": {"maxOutputTokens": max_tokens or self._max_tokens, "temperature": 0.1},
        }


def _text(response: dict[str, Any]) -> str:
    """The text parts of the first candidate, joined."""
    candidates = response.get("candidates") or [{}]
    parts = (candidates[0].get("content") or {}).get("parts") or []
    return "".join(str(p.get("text", "")) for p in parts)
