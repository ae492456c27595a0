"""Queries asked at the same time are embedded in one call, and each gets the vector it gets alone
(``embed/text/query_batches.py``, the per-text graph of ``embed/text/e5_onnx.py``)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from mediasift.embed.text.e5_onnx_embedder import E5OnnxEmbedder, _by_length
from mediasift.embed.text.query_batches import QueryBatches
from tests.conftest import test_settings
from tests.textgen import passages

QUERIES = [
    "pump pressure",
    "¿cuándo se revisa la válvula del calentador?",
    "sourdough starter",
    "",
    "x",
    "emoji 😀, 中文字符, русский",
    *(p[:120] for p in passages(10, seed=21)),
]


@pytest.fixture(scope="module")
def embedder(tmp_path_factory: pytest.TempPathFactory) -> E5OnnxEmbedder:
    settings = test_settings(tmp_path_factory.mktemp("home"))
    return E5OnnxEmbedder(2, 32, [settings.resolved_model_cache])


def test_a_batch_of_queries_gets_the_vectors_each_gets_alone(embedder: E5OnnxEmbedder) -> None:
    alone = np.stack([embedder.embed_query(q) for q in QUERIES])  # one call each: the per-call graph
    with embedder.loaded() as model:
        rows = [model.tokenizer.content_ids(f"query: {q}") for q in QUERIES]
        rows = [[model.tokenizer.bos, *ids, model.tokenizer.eos] for ids in rows]
    assert len(_by_length(list(enumerate(rows)), 32)) > 1  # so the calls run side by side
    together = embedder._embed_query_rows(rows)  # calls side by side on the per-text graph
    assert together.shape == (len(QUERIES), 384) and together.dtype == np.float32
    np.testing.assert_allclose(together, alone, atol=2e-6)
    assert (together * alone).sum(axis=1).min() >= 0.9999
    reordered = embedder._embed_query_rows(rows[::-1])[::-1]  # other neighbours, other padding
    np.testing.assert_allclose(reordered, alone, atol=2e-6)


def test_the_per_text_graph_is_built_at_the_first_batch_not_at_load(tmp_path: Path) -> None:
    embedder = E5OnnxEmbedder(1, 8, [tmp_path / "cache"])
    embedder.embed_query("pump pressure")  # a lone query: the per-call graph only
    assert [g.name.rsplit("-", 1)[0] for g in (tmp_path / "cache").glob("*.onnx")] == [
        "multilingual-e5-small-int8"
    ]
    with embedder.loaded() as model:
        rows = [
            [model.tokenizer.bos, *model.tokenizer.content_ids(f"query: {q}"), model.tokenizer.eos]
            for q in QUERIES[:2]
        ]
    embedder._embed_query_rows(rows)
    assert sorted(g.name.rsplit("-", 1)[0] for g in (tmp_path / "cache").glob("*.onnx")) == [
        "multilingual-e5-small-int8",
        "multilingual-e5-small-int8-per-text",
    ]


def test_concurrent_queries_are_embedded_together_with_the_vectors_they_get_alone(
    embedder: E5OnnxEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    long_query = "中文字符" * 200  # over one window (510 tokens): embedded alone, as always
    with embedder.loaded() as model:
        assert len(model.tokenizer.content_ids(f"query: {long_query}")) > model.window
    queries = [*QUERIES, long_query, *(f"{q} {i}" for i, q in enumerate(QUERIES))]
    alone = np.stack([embedder.embed_query(q) for q in queries])
    sizes: list[int] = []
    batches = embedder._query_batches
    embed_many = batches._embed_many
    monkeypatch.setattr(batches, "_embed_many", lambda rows: sizes.append(len(rows)) or embed_many(rows))
    start = threading.Barrier(8)

    def embed(query: str) -> np.ndarray:
        if queries.index(query) < 8:
            start.wait()
        return embedder.embed_query(query)

    with ThreadPoolExecutor(8) as pool:
        together = np.stack(list(pool.map(embed, queries)))
    assert (together * alone).sum(axis=1).min() >= 0.9999
    assert max(sizes) > 1 and sum(sizes) == len(queries) - 1  # the long query went alone


def test_a_lone_query_runs_at_once_on_its_callers_thread() -> None:
    calls: list[tuple[list[str], int]] = []

    def embed_many(items: list[str]) -> list[np.ndarray]:
        calls.append((items, threading.get_ident()))
        return [np.full(2, len(item), dtype=np.float32) for item in items]

    batches = QueryBatches(embed_many, most=8)
    started = time.perf_counter()
    assert batches.embed("abc").tolist() == [3.0, 3.0]
    assert time.perf_counter() - started < 0.05  # no timer waits for company
    assert batches.embed("ab").tolist() == [2.0, 2.0]
    assert calls == [(["abc"], threading.get_ident()), (["ab"], threading.get_ident())]


def test_queries_asked_during_a_call_are_embedded_together_in_the_next_at_most_most() -> None:
    calls: list[list[str]] = []
    first_running, waiting = threading.Event(), 7

    def embed_many(items: list[str]) -> list[np.ndarray]:
        calls.append(items)
        if len(calls) == 1:
            first_running.set()
            deadline = time.monotonic() + 10
            while len(batches._waiting) < waiting and time.monotonic() < deadline:
                time.sleep(0.005)
        return [np.array([float(item)]) for item in items]

    batches = QueryBatches(embed_many, most=4)
    with ThreadPoolExecutor(1 + waiting) as pool:
        first = pool.submit(batches.embed, "0")
        assert first_running.wait(10)
        later = [pool.submit(batches.embed, str(i)) for i in range(1, 1 + waiting)]
        answers = [first.result(), *(f.result() for f in later)]
    assert [a.tolist() for a in answers] == [[float(i)] for i in range(1 + waiting)]
    assert [len(c) for c in calls] == [1, 4, 3]
    assert sorted(int(i) for c in calls for i in c) == list(range(1 + waiting))


def test_an_error_reaches_every_query_of_its_batch_and_later_queries_still_run() -> None:
    first_running, release = threading.Event(), threading.Event()

    def embed_many(items: list[str]) -> list[np.ndarray]:
        if items == ["first"]:
            first_running.set()
            assert release.wait(10)
        if "bad" in items:
            raise ValueError("the model failed")
        return [np.zeros(1) for _ in items]

    batches = QueryBatches(embed_many, most=8)
    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(batches.embed, "first")
        assert first_running.wait(10)
        bad, good = pool.submit(batches.embed, "bad"), pool.submit(batches.embed, "good")
        deadline = time.monotonic() + 10
        while len(batches._waiting) < 2 and time.monotonic() < deadline:
            time.sleep(0.005)
        release.set()
        assert first.result().tolist() == [0.0]
        for failed in (bad, good):  # asked together, so failed together
            with pytest.raises(ValueError, match="the model failed"):
                failed.result()
    assert batches.embed("after").tolist() == [0.0]


def test_with_two_calls_a_query_asked_during_one_call_starts_the_other_and_the_rest_wait() -> None:
    calls: list[list[str]] = []
    two_running, release = threading.Barrier(3), threading.Event()

    def embed_many(items: list[str]) -> list[np.ndarray]:
        calls.append(items)
        if len(calls) <= 2:  # the first two calls run at the same time
            two_running.wait(10)
            assert release.wait(10)
        return [np.array([float(item)]) for item in items]

    batches = QueryBatches(embed_many, most=8, calls=2)
    with ThreadPoolExecutor(5) as pool:
        first = pool.submit(batches.embed, "0")
        second = pool.submit(batches.embed, "1")
        two_running.wait(10)  # both in flight: neither waited for the other
        later = [pool.submit(batches.embed, str(i)) for i in (2, 3, 4)]
        deadline = time.monotonic() + 10
        while len(batches._waiting) < 3 and time.monotonic() < deadline:
            time.sleep(0.005)
        release.set()
        answers = [f.result().tolist() for f in (first, second, *later)]
    assert answers == [[0.0], [1.0], [2.0], [3.0], [4.0]]
    assert sorted(calls[:2]) == [["0"], ["1"]] and sorted(i for c in calls[2:] for i in c) == ["2", "3", "4"]
