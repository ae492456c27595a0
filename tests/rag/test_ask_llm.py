"""/v1/ask with an LLM configured: a fake OpenAI-compatible server on loopback writes the answers."""

from __future__ import annotations

import re
import time
from pathlib import Path

from mediasift.services.ask import INVENTED_CITATIONS
from tests.rag.conftest import ApiFactory
from tests.rag.fake_llm import FakeLLM
from tests.rag.test_ask_documents import ingest_manual, parse_sse
from tests.rag.test_providers import closed_port

QUESTION = "What temperature should the fridge be kept at?"


def cite_the_fridge_page_and_invent_one(prompt: str) -> str:
    """Like a model that reads the sources: cites the one about the fridge, and invents [9]."""
    n = re.search(r"\[(\d+)\] manual\.pdf p\. 3", prompt).group(1)
    return f"Keep it at four degrees Celsius or below [{n}][9]. Also check the seal monthly [9]."


def test_answer_from_an_llm_keeps_real_citations_and_drops_invented_ones(
    make_api: ApiFactory, tmp_path: Path, fake_llm: FakeLLM
):
    api, _ = make_api(answer_model="openai", openai_base_url=f"{fake_llm.root}/v1", openai_model="fake-1")
    media = ingest_manual(api, tmp_path)
    fake_llm.reply = cite_the_fridge_page_and_invent_one
    invented_before = INVENTED_CITATIONS._value.get()

    body = api.post("/v1/ask", json={"question": QUESTION}).json()

    assert body["model"] == "openai:fake-1" and body["found"] is True
    assert "[9]" not in body["answer"] and body["dropped_citations"] == 2
    assert body["answer"].endswith("Also check the seal monthly.")
    [citation] = body["citations"]
    assert citation["media_id"] == media["id"] and citation["page"] == 3
    assert "four degrees Celsius" in citation["quote"]
    assert INVENTED_CITATIONS._value.get() - invented_before == 2
    assert "mediasift_ask_invented_citations_total" in api.get("/metrics").text
    # the model saw numbered sources from the tenant's media and the question, nothing else
    user = fake_llm.requests[-1]["body"]["messages"][1]["content"]
    assert "Keep the refrigerator temperature at or below four degrees Celsius." in user
    assert user.endswith(f"Question: {QUESTION}")


def test_streamed_llm_answer_never_shows_an_invented_citation(
    make_api: ApiFactory, tmp_path: Path, fake_llm: FakeLLM
):
    api, _ = make_api(answer_model="openai", openai_base_url=f"{fake_llm.root}/v1")
    ingest_manual(api, tmp_path)
    fake_llm.reply = cite_the_fridge_page_and_invent_one
    fake_llm.chunk_chars = 3  # markers arrive cut in pieces: "[9" + "]."

    with api.stream("POST", "/v1/ask?stream=true", json={"question": QUESTION}) as response:
        assert response.status_code == 200
        events = parse_sse(response.iter_lines())

    tokens = [data["text"] for name, data in events if name == "token"]
    assert len(tokens) > 10 and "[9]" not in "".join(tokens)
    assert [name for name, _ in events[-2:]] == ["citations", "done"]
    citations, done = events[-2][1], events[-1][1]
    assert [c["page"] for c in citations] == [3]
    assert done["dropped_citations"] == 2 and done["answer"] == "".join(tokens).strip()


def test_provider_down_is_a_fast_503_not_a_hang(make_api: ApiFactory, tmp_path: Path):
    api, _ = make_api(
        answer_model="openai", openai_base_url=f"http://127.0.0.1:{closed_port()}/v1", llm_retries=1
    )
    ingest_manual(api, tmp_path)
    started = time.monotonic()
    response = api.post("/v1/ask", json={"question": QUESTION})
    streamed = api.post("/v1/ask?stream=true", json={"question": QUESTION})
    assert time.monotonic() - started < 10
    for r in (response, streamed):
        assert r.status_code == 503, r.text
        assert r.json()["code"] == "backend_unavailable" and "unavailable" in r.json()["message"]


def test_nothing_relevant_means_the_llm_is_not_even_asked(
    make_api: ApiFactory, tmp_path: Path, fake_llm: FakeLLM
):
    api, _ = make_api(answer_model="openai", openai_base_url=f"{fake_llm.root}/v1")
    ingest_manual(api, tmp_path)
    body = api.post("/v1/ask", json={"question": "Who painted the Mona Lisa?"}).json()
    assert body["answer"] == "Not found in your media." and body["found"] is False
    assert fake_llm.requests == []
