"""EdgeIndex: the shared conformance suite, plus what only an embedded on-disk engine must promise."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from mediasift.domain import Filters, IndexPoint
from mediasift.errors import BackendUnavailable, InvalidRequest
from mediasift.index import edge
from mediasift.index.edge import EdgeIndex
from tests.index.conformance import CONFORMANCE_DIMS, TENANT, IndexConformance, ids, load, point


class TestEdgeIndexConformance(IndexConformance):
    # hnsw_ef (MEDIASIFT_EDGE_HNSW_EF) rides on every vector query and prefetch: the engine must
    # take it everywhere and answer the same.
    @pytest.fixture(params=[None, 32], ids=["default-ef", "hnsw-ef-32"])
    def index(self, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[EdgeIndex]:
        ix = EdgeIndex(tmp_path / "index", CONFORMANCE_DIMS, hnsw_ef=request.param)
        yield ix
        ix.close()


@pytest.fixture
def index_path(tmp_path: Path) -> Path:
    return tmp_path / "index"


@pytest.fixture
def index(index_path: Path) -> Iterator[EdgeIndex]:
    ix = EdgeIndex(index_path, CONFORMANCE_DIMS)
    yield ix
    ix.close()


# -- persistence ----------------------------------------------------------------------------------

_UPSERT_THEN_DIE = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from mediasift.domain import IndexPoint
    from mediasift.index.edge import EdgeIndex

    index = EdgeIndex(Path(sys.argv[1]), {"text": 4, "image": 3})
    index.upsert([
        IndexPoint(id=sys.argv[2], tenant_id="acme", media_id="m1", kind="audio", collection="default",
                   modality="speech", text="the quarterly numbers", vectors={"text": [1.0, 0.0, 0.0, 0.0]}),
    ])
    os.kill(os.getpid(), signal.SIGKILL)  # no close, no flush, no atexit
    """
)


def test_upsert_survives_kill_9_right_after_it_returns(index_path: Path) -> None:
    point_id = "0b5f8c7e-8f6b-4b8e-9a57-2d1c3e4f5a6b"
    died = subprocess.run(
        [sys.executable, "-c", _UPSERT_THEN_DIE, str(index_path), point_id],
        capture_output=True,
        timeout=60,
    )
    assert died.returncode == -signal.SIGKILL, died.stderr.decode()

    with EdgeIndex(index_path, CONFORMANCE_DIMS) as reopened:
        assert reopened.count("acme") == 1
        assert ids(reopened.search_keyword("acme", "numbers", limit=5)) == [point_id]
        assert ids(reopened.search_vector("text", "acme", [1.0, 0.0, 0.0, 0.0], limit=5)) == [point_id]


def test_reopening_a_closed_index_keeps_points_and_indexes(index_path: Path) -> None:
    saved = point("archived interview", text_vector=[0.0, 1.0, 0.0, 0.0], language="en")
    with EdgeIndex(index_path, CONFORMANCE_DIMS) as first:
        load(first, [saved])

    with EdgeIndex(index_path, CONFORMANCE_DIMS) as second:
        english = Filters(languages=["en"])
        assert ids(second.search_keyword(TENANT, "interviews", limit=5, filters=english)) == [saved.id]
        second.upsert([point("another")])
        assert second.count() == 2


def test_reopening_with_other_spaces_is_refused(index_path: Path) -> None:
    EdgeIndex(index_path, CONFORMANCE_DIMS).close()

    with pytest.raises(BackendUnavailable, match="reindex"):
        EdgeIndex(index_path, {"text": 8, "image": 3})


def test_opening_with_wipe_replaces_a_shard_of_other_spaces_with_an_empty_one(index_path: Path) -> None:
    with EdgeIndex(index_path, CONFORMANCE_DIMS) as old:
        old.upsert([point("old words", text_vector=[1.0, 0.0, 0.0, 0.0])])

    with EdgeIndex(index_path, {"text": 8, "image": 3}, wipe=True) as fresh:
        assert fresh.count() == 0
        fresh.upsert([point("new words", text_vector=[1.0] + [0.0] * 7)])
        assert len(fresh.search_vector("text", TENANT, [1.0] + [0.0] * 7, limit=5)) == 1

    with EdgeIndex(index_path, {"text": 8, "image": 3}) as reopened:  # the new spaces stand
        assert reopened.count() == 1


def test_wipe_refuses_a_directory_that_is_not_a_shard(index_path: Path) -> None:
    index_path.mkdir()
    (index_path / "notes.txt").write_text("mine")

    with pytest.raises(BackendUnavailable, match="no index shard"):
        EdgeIndex(index_path, CONFORMANCE_DIMS, wipe=True)
    assert (index_path / "notes.txt").read_text() == "mine"


def test_a_second_open_of_the_same_path_is_refused_while_the_first_is_open(
    index: EdgeIndex, index_path: Path
) -> None:
    with pytest.raises(BackendUnavailable, match="open in another process"):
        EdgeIndex(index_path, CONFORMANCE_DIMS)


def test_a_closed_index_refuses_calls_and_closes_twice_quietly(index: EdgeIndex) -> None:
    index.close()
    index.close()

    with pytest.raises(BackendUnavailable, match="closed"):
        index.count()


# -- concurrency ----------------------------------------------------------------------------------


def test_threads_may_write_and_search_at_once(index: EdgeIndex) -> None:
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for batch in range(10):
                media = f"m{worker}-{batch}"
                index.upsert(
                    [
                        point(f"report {worker} {i}", text_vector=[1.0, worker, i, 0.0], media_id=media)
                        for i in range(5)
                    ]
                )
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    def search() -> None:
        try:
            for _ in range(30):
                index.search_keyword(TENANT, "report", limit=5)
                index.search_vector("text", TENANT, [1.0, 0.0, 0.0, 0.0], limit=5)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(3)]
    threads += [threading.Thread(target=search) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert index.count(TENANT) == 3 * 10 * 5


# -- Edge-specific search behaviour ---------------------------------------------------------------


def test_settings_set_the_hnsw_search_breadth_of_vector_and_hybrid_queries(tmp_path: Path) -> None:
    from mediasift.factory import make_index
    from tests.conftest import test_settings

    index = make_index(test_settings(tmp_path, edge_hnsw_ef=48), CONFORMANCE_DIMS)
    assert isinstance(index, EdgeIndex) and index.hnsw_ef == 48
    try:
        near = point("annual budget review", text_vector=[1.0, 0.0, 0.0, 0.0])
        far = point("gardening tips", text_vector=[0.0, 0.0, 0.0, 1.0])
        load(index, [near, far])
        hybrid = index.search_hybrid(TENANT, "budget", {"text": [1.0, 0.0, 0.0, 0.0]}, limit=2)
        assert ids(hybrid) == [near.id, far.id]
        assert ids(index.search_vector("text", TENANT, [1.0, 0.0, 0.0, 0.0], limit=2)) == [near.id, far.id]
    finally:
        index.close()


# -- vectors on int8 copies ---------------------------------------------------------------------------


def _alike_vectors(n: int, seed: int) -> np.ndarray:
    """Unit vectors as alike as a text model's (pairwise cosine ~0.8): where int8 rounding could
    reorder neighbours."""
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal(384) + 0.5 * rng.standard_normal((n, 384))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def _vector_points(vectors: np.ndarray) -> list[IndexPoint]:
    return [
        IndexPoint(
            id=f"00000000-0000-4000-8000-{i:012d}", tenant_id=TENANT, media_id=f"m{i}", kind="text",
            collection="default", modality="text", text="", language="en" if i % 2 else "es",
            vectors={"text": vectors[i].tolist()},
        )
        for i in range(len(vectors))
    ]  # fmt: skip


def _quantized_segments(path: Path) -> int:
    return sum(1 for _ in path.glob("segments/*/vector_storage-text/quantized.data"))


def _assert_exact_neighbours(
    ix: EdgeIndex, vectors: np.ndarray, queries: np.ndarray, stored_as: type = np.float16
) -> None:
    """Each search's 10 best are numpy's exact 10 nearest over the vectors as stored (``stored_as``;
    the engine scores a float16 vector against the query rounded to float16 too), in order; all 30
    hits carry those cosines (int8 scores would differ), best first, and at most one of the exact 30
    is missed: in one tight synthetic cluster the int8 scan can lose a near-tie at depth 30 (gaps of
    1e-4), where on the peer benchmark's 20,000 real e5 passages it lost none of 6,000."""
    stored = vectors.astype(stored_as).astype(np.float32)
    for query in queries:
        cosines = stored @ query.astype(stored_as).astype(np.float32)
        best = np.argsort(-cosines)[:30]
        hits = ix.search_vector("text", TENANT, query.tolist(), 30)
        found = [int(h.id[-12:]) for h in hits]
        assert found[:10] == best[:10].tolist()
        assert [h.score for h in hits] == pytest.approx(cosines[found].tolist(), abs=1e-5)
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
        assert len(set(found) & set(best.tolist())) >= 29


def test_an_optimized_shard_scans_int8_copies_and_orders_hits_by_float_cosines(
    index_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(edge, "_OPTIMIZE_FROM_KB", 1_000)  # so that 3,000 points (2.3 MB) are optimized
    vectors = _alike_vectors(3_000, seed=1)
    queries = _alike_vectors(3_020, seed=1)[3_000:]  # the same cluster's next 20
    with EdgeIndex(index_path, {"text": 384}) as ix:
        ix.upsert(_vector_points(vectors))
        assert _quantized_segments(index_path) == 0
        assert ix._search_threads == 1  # one segment: nothing for a second search thread to read
        ix.optimize()
        assert _quantized_segments(index_path) >= 1
        # several segments now, read side by side by the engine's default threads
        assert ix._open_shard().info().segments_count > 1
        assert ix._search_threads is None
        assert edge._search_threads(index_path) is None  # and so when the shard is opened again
        # int8 scores alone would give other cosines, and other orders among near-ties
        _assert_exact_neighbours(ix, vectors, queries)
        spanish = ix.search_vector("text", TENANT, queries[0].tolist(), 30, Filters(languages=["es"]))
        stored = vectors.astype(np.float16).astype(np.float32)
        query = queries[0].astype(np.float16).astype(np.float32)
        nearest = [i for i in np.argsort(-(stored @ query)) if i % 2 == 0]  # even: "es"
        assert [int(h.id[-12:]) for h in spanish] == nearest[:30]


def test_a_shard_under_the_bound_is_scanned_on_its_floats(index_path: Path) -> None:
    vectors = _alike_vectors(3_020, seed=3)
    with EdgeIndex(index_path, {"text": 384}) as ix:
        ix.upsert(_vector_points(vectors[:3_000]))
        ix.optimize()  # nothing to do: optimizing holds the GIL ~70 us a point, a scan of these ~0.3 ms
        assert _quantized_segments(index_path) == 0
        assert ix._open_shard().info().segments_count == 1
        assert ix._search_threads == 1
        _assert_exact_neighbours(ix, vectors[:3_000], vectors[3_000:])


def test_upserts_optimize_the_shard_as_they_go(index_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(edge, "_OPTIMIZE_FROM_KB", 1_000)
    monkeypatch.setattr(edge, "_OPTIMIZE_EVERY", 1_000)
    vectors = _alike_vectors(3_020, seed=2)
    with EdgeIndex(index_path, {"text": 384}) as ix:
        points = _vector_points(vectors[:3_000])
        for start in range(0, 3_000, 300):  # as ingest writes: a media's points at a time
            ix.upsert(points[start : start + 300])
        assert _quantized_segments(index_path) >= 1  # no optimize() was called
        _assert_exact_neighbours(ix, vectors[:3_000], vectors[3_000:])


def test_an_optimize_failing_inside_an_upsert_keeps_the_points_and_is_logged(
    index: EdgeIndex, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def fail(self: EdgeIndex, shard: object) -> None:
        raise RuntimeError("Service runtime error: No space left on device")

    monkeypatch.setattr(edge, "_OPTIMIZE_EVERY", 1)
    monkeypatch.setattr(EdgeIndex, "_optimize", fail)
    kept = point("the quarterly numbers", text_vector=[1.0, 0.0, 0.0, 0.0])
    index.upsert([kept])
    assert ids(index.search_keyword(TENANT, "quarterly", 5)) == [kept.id]
    assert "optimizing the index" in caplog.text and "No space left" in caplog.text


def test_a_shard_with_graphs_takes_int8_copies_and_drops_its_graph_at_its_next_optimize(
    index_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import qdrant_edge as qe

    def graph_layout(self: EdgeIndex, _stored: object = None) -> qe.EdgeConfig:  # before: floats, a graph
        return qe.EdgeConfig(
            vectors={
                n: qe.EdgeVectorParams(size=d, distance=qe.Distance.Cosine) for n, d in self.dims.items()
            },
            sparse_vectors={n: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf) for n in self._analysers},
            optimizers=qe.EdgeOptimizersConfig(indexing_threshold=2_000),
        )

    vectors = _alike_vectors(3_020, seed=4)
    with monkeypatch.context() as old:
        old.setattr(EdgeIndex, "_config", graph_layout)
        with EdgeIndex(index_path, {"text": 384}) as ix:
            ix.upsert(_vector_points(vectors[:3_000]))
            ix.optimize()
    graphs = list(index_path.glob("segments/*/vector_index-text/hnsw_config.json"))
    assert graphs and all('"m":16' in g.read_text() for g in graphs) and _quantized_segments(index_path) == 0

    monkeypatch.setattr(edge, "_OPTIMIZE_FROM_KB", 2_000)
    with EdgeIndex(index_path, {"text": 384}) as ix:
        ix.optimize()
        graphs = list(index_path.glob("segments/*/vector_index-text/hnsw_config.json"))
        assert (
            graphs and all('"m":0' in g.read_text() for g in graphs) and _quantized_segments(index_path) >= 1
        )
        _assert_exact_neighbours(ix, vectors[:3_000], vectors[3_000:], np.float32)  # it keeps its floats


def test_keyword_search_folds_accents_both_ways(index: EdgeIndex) -> None:
    song = point("Una canción de cuna", language="es")
    coffee = point("Fresh cafe au lait", language="en")
    load(index, [song, coffee])

    assert ids(index.search_keyword(TENANT, "canciones", limit=5)) == [song.id]
    assert ids(index.search_keyword(TENANT, "cancion", limit=5)) == [song.id]
    assert ids(index.search_keyword(TENANT, "café", limit=5)) == [coffee.id]


def test_stopwords_of_either_language_find_nothing(index: EdgeIndex) -> None:
    load(index, [point("the house of la casa de papel")])

    assert index.search_keyword(TENANT, "the of", limit=5) == []
    assert index.search_keyword(TENANT, "la de", limit=5) == []


def test_another_tenants_corpus_does_not_change_keyword_scores(index: EdgeIndex) -> None:
    mine = point("budget meeting notes")
    load(index, [mine, point("filler text"), point("more filler")])
    before = index.search_keyword(TENANT, "budget", limit=1)[0].score

    load(index, [point("budget budget budget", tenant_id="globex") for _ in range(20)])
    after = index.search_keyword(TENANT, "budget", limit=1)[0].score

    assert after == pytest.approx(before)


def _sole(index: EdgeIndex) -> str | None:
    with index._lock:
        return index._sole_tenant(index._open_shard())


def test_keyword_scores_stay_the_tenants_own_as_the_shard_gains_and_loses_a_tenant(
    index_path: Path,
) -> None:
    # Where the shard holds one tenant's points and never a deleted one, IDF over every point is
    # that tenant's IDF, and the filter is left out; a second tenant's points must bring it back,
    # before they are counted (upsert), after the shard is opened again (counted anew), and for
    # good once any point was deleted: the engine's IDF over every point counts deleted points.
    index = EdgeIndex(index_path, CONFORMANCE_DIMS)
    load(index, [point("budget meeting notes"), point("filler text"), point("more filler")])
    alone = index.search_keyword(TENANT, "budget", limit=1)[0].score
    assert _sole(index) == TENANT and not index._deleted.exists()
    index.delete_media(TENANT, "a-media-never-indexed")  # as ingest does before a new media's points
    assert not index._deleted.exists()

    theirs = [point("budget budget budget", tenant_id="globex", media_id="g1") for _ in range(20)]
    load(index, theirs)
    assert _sole(index) is None
    assert index.search_keyword(TENANT, "budget", limit=1)[0].score == pytest.approx(alone)
    index.close()

    index = EdgeIndex(index_path, CONFORMANCE_DIMS)
    assert index.search_keyword(TENANT, "budget", limit=1)[0].score == pytest.approx(alone)
    assert _sole(index) is None
    index.delete_media("globex", "g1")
    assert index._deleted.exists()
    assert index.search_keyword(TENANT, "budget", limit=1)[0].score == pytest.approx(alone)
    index.close()

    index = EdgeIndex(index_path, CONFORMANCE_DIMS)
    assert _sole(index) == TENANT  # the filter goes (a search never finds a deleted point) ...
    assert index._deleted.exists()  # ... the IDF's stays
    assert index.search_keyword(TENANT, "budget", limit=1)[0].score == pytest.approx(alone)
    index.delete_media(TENANT, "m1")
    assert index.search_keyword(TENANT, "budget", limit=1) == []
    index.close()


def test_searches_never_see_a_second_tenants_points_arriving_meanwhile(index: EdgeIndex) -> None:
    # Searches of a shard that holds one tenant alone leave its condition out: racing them with
    # another tenant's first upserts must never let one of those points through.
    vector = [1.0, 0.0, 0.0, 0.0]
    mine = point("merger plan", text_vector=vector)
    load(index, [mine])
    seen: set[str] = set()
    done = threading.Event()

    def search() -> None:
        while not done.is_set():
            seen.update(ids(index.search_vector("text", TENANT, vector, limit=50)))
            seen.update(ids(index.search_keyword(TENANT, "merger", limit=50)))
            seen.update(ids(index.search_hybrid(TENANT, "merger", {"text": vector}, limit=50)))

    searchers = [threading.Thread(target=search) for _ in range(2)]
    for thread in searchers:
        thread.start()
    try:
        for batch in range(20):
            theirs = [
                point("merger plan", text_vector=vector, tenant_id=f"other{batch}", media_id=f"o{batch}")
                for _ in range(5)
            ]
            index.upsert(theirs)
    finally:
        done.set()
        for thread in searchers:
            thread.join()
    assert seen == {mine.id}


def test_keyword_scores_after_a_deletion_are_those_of_the_points_left(tmp_path: Path) -> None:
    # One tenant alone, so its condition goes; but the engine's IDF over every point still counts
    # the deleted media's terms, so the IDF keeps the tenant's filter once a point was deleted.
    kept = [point("budget meeting notes"), point("filler text"), point("more filler")]
    index = EdgeIndex(tmp_path / "deleted", CONFORMANCE_DIMS)
    load(index, [*kept, *(point("budget budget", media_id="m9") for _ in range(5))])
    index.delete_media(TENANT, "m9")
    assert _sole(index) == TENANT
    after = index.search_keyword(TENANT, "budget", limit=1)[0].score
    index.close()

    fresh = EdgeIndex(tmp_path / "fresh", CONFORMANCE_DIMS)
    load(fresh, kept)
    assert after == pytest.approx(fresh.search_keyword(TENANT, "budget", limit=1)[0].score)
    fresh.close()


def test_a_replaced_point_marks_the_shard_as_holding_a_deleted_one(index: EdgeIndex) -> None:
    notes = point("budget meeting notes")
    load(index, [notes, point("filler text")])
    index.upsert([point("more filler")])
    assert not index._deleted.exists()

    index.upsert([point("budget budget", id=notes.id)])  # its old version is a deleted point now
    assert index._deleted.exists()
    index.wipe()
    assert not index._deleted.exists()


def test_points_without_a_tenant_keep_the_idf_filter(index_path: Path) -> None:
    # A process killed between a batch's points and their payload leaves points of no tenant:
    # IDF over the whole shard would count them.
    index = EdgeIndex(index_path, CONFORMANCE_DIMS)
    load(index, [point("budget meeting notes"), point("filler text")])
    alone = index.search_keyword(TENANT, "budget", limit=1)[0].score
    orphan = point("budget budget budget")
    with index._lock:
        bare = edge.qe.UpdateOperation.upsert_points([index._to_engine_point(orphan, None)])
        index._open_shard().update(bare)
    index.close()

    index = EdgeIndex(index_path, CONFORMANCE_DIMS)
    assert _sole(index) is None
    assert index.search_keyword(TENANT, "budget", limit=1)[0].score == pytest.approx(alone)
    index.close()


def test_a_point_keeps_its_text_as_bm25_terms_not_as_payload(index: EdgeIndex) -> None:
    notes = point("budget meeting notes", language="en")
    load(index, [notes])

    (record,) = index._open_shard().retrieve([notes.id], True, False)
    assert record.payload is not None and "text" not in record.payload
    assert record.payload["media_id"] == notes.media_id and record.payload["language"] == "en"
    assert ids(index.search_keyword(TENANT, "meetings", limit=1)) == [notes.id]


def test_points_sharing_a_payload_each_keep_their_own_fields(index: EdgeIndex) -> None:
    # A media's points get one payload set on them all; what differs between points must not mix.
    # Each group below has points sharing a payload (set apart) and a point alone (set inline).
    cooking = ("cooking",)
    talk = [
        point(text, language=lang, labels=cooking)
        for text, lang in (("intro", "en"), ("outro", "en"), ("hola", "es"))
    ]
    screen = point("SALE", modality="ocr", language="en", labels=cooking)
    code = [
        point(f"def {name}", media_id="m2", kind="code", paths=(f"src/{file}.py",), metadata={"repo": "x"})
        for name, file in (("a", "a"), ("a2", "a"), ("b", "b"))
    ]
    other = point("intro", tenant_id="other", language="en", quality=0.5)
    points = [*talk, screen, *code, other]
    load(index, points)

    records = {
        str(r.id): r.payload for r in index._open_shard().retrieve([p.id for p in points], True, False)
    }
    assert records[talk[0].id] == {
        "tenant_id": TENANT, "media_id": "m1", "kind": "document", "collection": "default",
        "modality": "text", "language": "en", "labels": ["cooking"],
    }  # fmt: skip
    assert records[talk[1].id] == records[talk[0].id]
    assert records[talk[2].id]["language"] == "es" and records[screen.id]["modality"] == "ocr"
    assert [records[p.id]["paths"] for p in code] == [["src/a.py"], ["src/a.py"], ["src/b.py"]]
    assert all(records[p.id]["metadata"] == {"repo": "x"} and "language" not in records[p.id] for p in code)
    assert records[other.id]["tenant_id"] == "other" and records[other.id]["quality"] == 0.5
    assert ids(index.search_keyword(TENANT, "hola", limit=5, filters=Filters(languages=["es"]))) == [
        talk[2].id
    ]
    assert ids(index.search_keyword(TENANT, "intro", limit=5)) == [talk[0].id]


def test_a_point_given_twice_in_one_upsert_keeps_its_last_version(index: EdgeIndex) -> None:
    first, neighbour = point("draft"), point("neighbour")  # these two share a payload
    last = point("final", id=first.id, tenant_id="other")
    load(index, [first, neighbour, last])

    (record,) = index._open_shard().retrieve([first.id], True, False)
    assert record.payload is not None and record.payload["tenant_id"] == "other"
    assert ids(index.search_keyword("other", "final", limit=5)) == [first.id]


def test_hit_ids_are_canonical_uuids(index: EdgeIndex) -> None:
    upper = "0B5F8C7E-8F6B-4B8E-9A57-2D1C3E4F5A6B"
    load(index, [point("shouted id", id=upper)])

    assert ids(index.search_keyword(TENANT, "shouted", limit=1)) == [upper.lower()]


@pytest.mark.parametrize(
    "bad",
    [
        point(id="segment-1"),
        point(text_vector=[1.0, 0.0]),
        IndexPoint(
            id="0b5f8c7e-8f6b-4b8e-9a57-2d1c3e4f5a6b",
            tenant_id=TENANT,
            media_id="m",
            kind="k",
            collection="c",
            modality="m",
            text="",
            vectors={"audio": [1.0]},
        ),
    ],
    ids=["non-uuid id", "wrong dimension", "unknown space"],
)
def test_upsert_rejects_malformed_points_and_writes_none_of_the_batch(
    index: EdgeIndex, bad: IndexPoint
) -> None:
    with pytest.raises(InvalidRequest):
        index.upsert([point("fine"), bad])

    assert index.count() == 0


def test_search_rejects_unknown_spaces_and_wrong_dimensions(index: EdgeIndex) -> None:
    with pytest.raises(InvalidRequest, match="unknown embedding space"):
        index.search_vector("audio", TENANT, [1.0], limit=5)
    with pytest.raises(InvalidRequest, match="dimensions"):
        index.search_vector("text", TENANT, [1.0, 0.0], limit=5)


def test_metadata_filter_keys_cannot_rewrite_the_payload_path(index: EdgeIndex) -> None:
    with pytest.raises(InvalidRequest, match="metadata filter key"):
        index.search_keyword(TENANT, "x", limit=5, filters=Filters(metadata={"a.b": "1"}))


def test_reserved_or_empty_space_names_are_refused(tmp_path: Path) -> None:
    for dims in ({"bm25_en": 4}, {"": 4}, {}, {"text": 0}):
        with pytest.raises(ValueError):
            EdgeIndex(tmp_path / "x", dims)


# -- the originals' element type ------------------------------------------------------------------


def test_a_new_shard_stores_float16_and_a_float32_shard_keeps_its_floats_until_wiped(
    index_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    third = [1 / 3, 2 / 3, 2 / 3, 0.0]  # 1/3 has no float16 of its own
    with monkeypatch.context() as before:
        before.setattr(edge, "_STORED", None)  # as shards were written before float16
        with EdgeIndex(index_path, CONFORMANCE_DIMS) as ix:
            old = point("a shard from before", text_vector=third)
            load(ix, [old])
    with EdgeIndex(index_path, CONFORMANCE_DIMS) as ix:  # opens: the engine refuses a wrong type
        assert '"datatype"' not in (index_path / "edge_config.json").read_text()
        assert ix.point_vectors("text", TENANT, [old.id])[old.id] == pytest.approx(third, abs=1e-7)
        ix.wipe()
        assert '"datatype":"float16"' in (index_path / "edge_config.json").read_text()
        new = point("written after the wipe", text_vector=third)
        load(ix, [new])
        assert ix.point_vectors("text", TENANT, [new.id])[new.id] == pytest.approx(third, abs=5e-4)
        hit = ix.search_vector("text", TENANT, third, 1)[0]
        assert hit.id == new.id and hit.score == pytest.approx(1.0, abs=1e-3)
    with EdgeIndex(index_path, CONFORMANCE_DIMS) as ix:
        assert ids(ix.search_vector("text", TENANT, third, 1)) == [new.id]


def test_an_unreadable_shard_configuration_is_backend_unavailable(index_path: Path) -> None:
    with EdgeIndex(index_path, CONFORMANCE_DIMS) as ix:
        load(ix, [point("kept")])
    (index_path / "edge_config.json").write_text("{not json")
    with pytest.raises(BackendUnavailable, match="cannot open the index"):
        EdgeIndex(index_path, CONFORMANCE_DIMS)


def test_a_point_in_english_or_spanish_is_analysed_with_its_own_stemmer_only(index: EdgeIndex) -> None:
    english = point("The budget meetings ran late", language="en")
    spanish = point("Las reuniones del presupuesto", language="es")
    unknown = point("budget meetings", language=None)
    code = point("def budget_meetings(): pass", kind="code", language="python")
    load(index, [english, spanish, unknown, code])

    records = index._open_shard().retrieve([english.id, spanish.id, unknown.id, code.id], False, True)
    sparse = {str(r.id): {k for k in r.vector if k.startswith("bm25")} for r in records}
    assert sparse[english.id] == {edge.BM25_EN} and sparse[spanish.id] == {edge.BM25_ES}
    assert sparse[unknown.id] == sparse[code.id] == {edge.BM25_EN, edge.BM25_ES}
    assert ids(index.search_keyword(TENANT, "meeting", limit=5))[0] in {english.id, unknown.id}
    assert ids(index.search_keyword(TENANT, "reunión", limit=5)) == [spanish.id]


def test_one_analysis_scores_on_the_scale_of_two(tmp_path: Path) -> None:
    """A query's two analyses each match a text analysed both ways; a text analysed once (its
    language's) has its terms weighted twice, so the same text scores the same either way."""
    scores = {}
    for language in ("en", None):
        ix = EdgeIndex(tmp_path / f"index-{language}", CONFORMANCE_DIMS)
        texts = ("The budget was approved", "Weather report")
        load(ix, [point(text, language=language) for text in texts])
        scores[language] = ix.search_keyword(TENANT, "budget", limit=1)[0].score
        ix.close()
    assert scores["en"] == pytest.approx(scores[None], rel=1e-4)


def test_a_language_filter_asks_only_the_languages_the_shard_holds(index_path: Path) -> None:
    # Search's cross-lingual list names English and every code language; the engine is asked
    # for those the shard holds (one value scans faster than eleven), and for nothing where it
    # holds none of them. A language the shard gains later is asked for from then on, and a
    # shard opened again counts its languages anew.
    index = EdgeIndex(index_path, CONFORMANCE_DIMS)
    english = point("weather report", text_vector=[1.0, 0.0, 0.0, 0.0], language="en")
    spanish = point("el tiempo", text_vector=[1.0, 0.1, 0.0, 0.0], language="es")
    load(index, [english, spanish])
    english_or_code = Filters(languages=["en", "python", "rust"])

    assert ids(index.search_vector("text", TENANT, [1.0, 0.0, 0.0, 0.0], 5, english_or_code)) == [english.id]
    assert index.search_vector("text", TENANT, [1.0, 0.0, 0.0, 0.0], 5, Filters(languages=["fr"])) == []
    assert index.search_keyword(TENANT, "weather", 5, Filters(languages=["fr", "de"])) == []
    assert index._languages == {"en", "es"}
    # the one language left is asked as one value, the cheaper condition
    assert 'MatchValue(value="en")' in repr(edge._filter(TENANT, english_or_code, TENANT, index._languages))

    code = point("def weather(): pass", text_vector=[0.9, 0.3, 0.0, 0.0], language="python")
    load(index, [code])
    assert ids(index.search_vector("text", TENANT, [1.0, 0.0, 0.0, 0.0], 5, english_or_code)) == [
        english.id,
        code.id,
    ]
    index.close()

    index = EdgeIndex(index_path, CONFORMANCE_DIMS)
    assert ids(index.search_keyword(TENANT, "weather", 5, Filters(languages=["python", "go"]))) == [code.id]
    assert index._languages == {"en", "es", "python"}
    index.close()
