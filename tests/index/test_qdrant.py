"""QdrantIndex in qdrant-client's local mode (same API as a Qdrant server, exact brute-force search),
against the shared Index suite, plus the Qdrant data model: one collection with a named vector per
space, the tenant payload index, hybrid search as one fused query, non-UUID ids, and the copy of
the earlier layout (a collection per space) into it.

Verified only in local mode (no Qdrant server binary installs here): HNSW parameters and payload
indexes are recorded but local mode searches exactly and ignores them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mediasift.domain import Filters, IndexPoint
from mediasift.errors import InvalidRequest
from tests.index.conformance import CONFORMANCE_DIMS, TENANT, IndexConformance, ids, load, point

qdrant = pytest.importorskip("mediasift.index.qdrant", reason="qdrant-client is not installed")
QdrantIndex = qdrant.QdrantIndex


@pytest.fixture
def index() -> Iterator[QdrantIndex]:
    ix = QdrantIndex(":memory:", dims=CONFORMANCE_DIMS)
    yield ix
    ix.close()


class TestQdrantIndex(IndexConformance):
    @pytest.fixture
    def index(self, index: QdrantIndex) -> QdrantIndex:
        return index


def test_one_collection_with_a_named_vector_per_space_and_bm25(index: QdrantIndex) -> None:
    names = {c.name for c in index.client.get_collections().collections}
    assert names == {"ms_points"}
    params = index.client.get_collection("ms_points").config.params
    assert {space: v.size for space, v in params.vectors.items()} == CONFORMANCE_DIMS
    assert set(params.sparse_vectors) == {"bm25"}


class RecordingClient:
    """A real local-mode client that records the payload indexes asked of it (local mode keeps none)
    and the queries sent."""

    def __init__(self) -> None:
        from qdrant_client import QdrantClient

        self._client = QdrantClient(location=":memory:")
        self.payload_indexes: dict[tuple[str, str], Any] = {}
        self.queries: list[dict[str, Any]] = []

    def create_payload_index(self, collection: str, field: str, field_schema: Any = None, **kw: Any) -> Any:
        self.payload_indexes[(collection, field)] = field_schema
        return self._client.create_payload_index(collection, field, field_schema=field_schema, **kw)

    def get_collection(self, collection: str) -> Any:
        # As a server does, and local mode does not: report the payload indexes asked for.
        schema = {field: kind for (name, field), kind in self.payload_indexes.items() if name == collection}
        return self._client.get_collection(collection).model_copy(update={"payload_schema": schema})

    def query_points(self, collection: str, **kw: Any) -> Any:
        self.queries.append(kw)
        return self._client.query_points(collection, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_the_collection_has_a_tenant_payload_index_and_one_per_filter() -> None:
    client = RecordingClient()
    QdrantIndex(client=client, dims=CONFORMANCE_DIMS)
    tenant = client.payload_indexes[("ms_points", "tenant_id")]
    assert tenant.type == "keyword" and tenant.is_tenant is True
    assert {field for (_, field) in client.payload_indexes} == {
        "tenant_id", "media_id", "kind", "collection", "modality", "language", "added_at",
        "labels", "entities", "keywords", "paths", "quality",
    }  # fmt: skip
    assert client.payload_indexes[("ms_points", "added_at")] == "float"
    assert client.payload_indexes[("ms_points", "labels")] == "keyword"


def test_a_collection_from_before_labels_gets_their_indexes_and_keeps_its_points() -> None:
    from qdrant_client import models

    client = RecordingClient()
    QdrantIndex(client=client, dims=CONFORMANCE_DIMS)
    for field in ("labels", "entities", "keywords", "paths"):  # as an earlier version created it
        del client.payload_indexes[("ms_points", field)]
    old = {"sid": "old-1", "tenant_id": "acme", "media_id": "m0", "kind": "text", "collection": "default",
           "modality": "text", "language": "en", "metadata": {}}  # fmt: skip
    old_point = models.PointStruct(
        id=qdrant.point_uuid("old-1"), vector={"text": [0.0, 1.0, 0.0, 0.0]}, payload=old
    )
    client.upsert("ms_points", points=[old_point])
    asked_before = dict(client.payload_indexes)

    index = QdrantIndex(client=client, dims=CONFORMANCE_DIMS)

    added = {field for (_, field) in client.payload_indexes.keys() - asked_before.keys()}
    assert added == {"labels", "entities", "keywords", "paths"}
    labelled = point("tide", text_vector=[1.0, 0.0, 0.0, 0.0], labels=("temas:mar",))
    load(index, [labelled])
    query = [1.0, 0.0, 0.0, 0.0]
    assert set(ids(index.search_vector("text", "acme", query, limit=5))) == {"old-1", labelled.id}
    with_label = Filters(labels=["temas:mar"])
    assert ids(index.search_vector("text", "acme", query, limit=5, filters=with_label)) == [labelled.id]


def test_a_collection_from_before_quality_gets_its_index_and_filters_on_it() -> None:
    from qdrant_client import models

    client = RecordingClient()
    QdrantIndex(client=client, dims=CONFORMANCE_DIMS)
    del client.payload_indexes[("ms_points", "quality")]  # as an earlier version created it
    old = point("tide", text_vector=[1.0, 0.0, 0.0, 0.0], media_id="old")

    index = QdrantIndex(client=client, dims=CONFORMANCE_DIMS)
    load(index, [old, point("tide", text_vector=[1.0, 0.0, 0.0, 0.0], media_id="measured", quality=0.7)])

    assert client.payload_indexes[("ms_points", "quality")] == models.PayloadSchemaType.FLOAT
    good_enough = Filters(min_quality=0.5)
    found = index.search_vector("text", TENANT, [1.0, 0.0, 0.0, 0.0], limit=5, filters=good_enough)
    assert [h.media_id for h in found] == ["measured"]


def test_hybrid_search_is_one_query_fused_by_qdrant() -> None:
    client = RecordingClient()
    index = QdrantIndex(client=client, dims=CONFORMANCE_DIMS)
    load(index, [point("ferry", text_vector=[1.0, 0.0, 0.0, 0.0], image_vector=[1.0, 0.0, 0.0])])

    hits = index.search_hybrid(
        "acme", "ferry", {"text": [1.0, 0.0, 0.0, 0.0], "image": [1.0, 0.0, 0.0]}, limit=5
    )

    assert len(hits) == 1
    (query,) = client.queries
    assert [stage.using for stage in query["prefetch"]] == ["bm25", "text", "image"]
    assert query["query"].rrf.k == 61  # Qdrant counts ranks from 0; fusion.rrf from 1


def test_non_uuid_ids_round_trip(index: QdrantIndex) -> None:
    p = point("hello", text_vector=[1.0, 0.0, 0.0, 0.0], id="segment-42")
    load(index, [p])
    assert ids(index.search_vector("text", "acme", [1.0, 0.0, 0.0, 0.0], limit=1)) == ["segment-42"]
    assert ids(index.search_keyword("acme", "hello", limit=1)) == ["segment-42"]


def test_wrong_dimension_is_rejected_with_a_reindex_hint(index: QdrantIndex) -> None:
    with pytest.raises(InvalidRequest, match="reindex"):
        index.upsert([point(text_vector=[1.0, 0.0])])


def test_a_new_collection_needs_dims() -> None:
    with pytest.raises(ValueError, match="dims"):
        QdrantIndex(":memory:")


def test_local_path_mode_persists_across_reopen(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"local:{tmp_path / 'qdrant'}"
    first = QdrantIndex(url, dims=CONFORMANCE_DIMS)
    load(first, [point("persisted words", text_vector=[1.0, 0.0, 0.0, 0.0])])
    first.close()
    again = QdrantIndex(url)  # the collection's own spaces stand
    assert again.dims == CONFORMANCE_DIMS
    assert again.count("acme") == 1
    assert len(again.search_keyword("acme", "words", limit=5)) == 1
    again.close()


def test_opening_with_wipe_recreates_the_collection_with_the_new_sizes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"local:{tmp_path / 'qdrant'}"
    old = QdrantIndex(url, dims=CONFORMANCE_DIMS)
    load(old, [point("old words", text_vector=[1.0, 0.0, 0.0, 0.0])])
    old.close()
    bigger = {"text": 8, "image": 3}
    kept = QdrantIndex(url, dims=bigger)  # without wipe the collection keeps its own sizes
    assert kept.dims == CONFORMANCE_DIMS
    kept.close()

    fresh = QdrantIndex(url, dims=bigger, wipe=True)

    assert fresh.dims == bigger and fresh.count() == 0
    load(fresh, [point("new words", text_vector=[1.0] + [0.0] * 7)])
    assert fresh.count("acme") == 1
    fresh.close()


def _earlier_layout(client: Any) -> tuple[IndexPoint, IndexPoint]:
    """What the previous QdrantIndex wrote: ``ms_keyword`` with every point's payload and BM25
    vector, and ``ms_text`` / ``ms_image`` with each space's vectors (built here by hand)."""
    from qdrant_client import models as m

    bm25 = qdrant._Bm25()
    speech = point("the harbour master speaks", text_vector=[1.0, 0.0, 0.0, 0.0], modality="speech")
    photo = point(image_vector=[0.0, 1.0, 0.0], modality="image", media_id="m2")
    for space, size in CONFORMANCE_DIMS.items():
        client.create_collection(
            f"ms_{space}", vectors_config=m.VectorParams(size=size, distance=m.Distance.COSINE)
        )
    client.create_collection(
        "ms_keyword",
        vectors_config={},
        sparse_vectors_config={"bm25": m.SparseVectorParams(modifier=m.Modifier.IDF)},
    )
    for p in (speech, photo):
        payload = qdrant.QdrantIndex._payload(p)
        indices, values = bm25.document(p.text, None)
        sparse = {"bm25": m.SparseVector(indices=indices, values=values)}
        client.upsert("ms_keyword", points=[m.PointStruct(id=p.id, vector=sparse, payload=payload)])
        for space, vector in p.vectors.items():
            client.upsert(f"ms_{space}", points=[m.PointStruct(id=p.id, vector=vector, payload=payload)])
    return speech, photo


def test_the_earlier_layout_is_copied_into_the_one_collection_and_dropped() -> None:
    from qdrant_client import QdrantClient

    client = QdrantClient(location=":memory:")
    speech, photo = _earlier_layout(client)

    index = QdrantIndex(client=client, dims=CONFORMANCE_DIMS)

    assert index.count("acme") == 2
    assert ids(index.search_keyword("acme", "harbour", limit=5)) == [speech.id]
    assert ids(index.search_vector("text", "acme", [1.0, 0.0, 0.0, 0.0], limit=5)) == [speech.id]
    assert ids(index.search_vector("image", "acme", [0.0, 1.0, 0.0], limit=5)) == [photo.id]
    assert {c.name for c in client.get_collections().collections} == {"ms_points"}
    # copied points have no added_at until a reindex: found without a window, not with one
    window = Filters(added_after="2026-01-01T00:00:00+00:00")
    assert index.search_keyword("acme", "harbour", limit=5, filters=window) == []


def test_points_stored_before_accents_were_folded_still_match_a_query_typed_with_them(
    index: QdrantIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qdrant_edge import Bm25, Bm25Config

    before = {lang: Bm25(Bm25Config(language=lang)) for lang in ("english", "spanish")}
    monkeypatch.setattr(index._bm25, "_models", before)  # the analysis of an earlier release
    old = point("José García ordered a café au lait", language="en")
    load(index, [old])
    monkeypatch.undo()
    new = point("A café in Málaga", language="en")
    load(index, [new])

    assert set(ids(index.search_keyword(TENANT, "café", limit=5))) == {old.id, new.id}
    assert ids(index.search_keyword(TENANT, "Malaga", limit=5)) == [new.id]


def test_a_local_index_open_elsewhere_is_a_clear_error_not_a_traceback(tmp_path) -> None:
    # `serve` beside `worker` on qdrant-client's local mode: the second died with a RuntimeError
    from mediasift.errors import BackendUnavailable

    first = qdrant.QdrantIndex(f"local:{tmp_path}", dims=CONFORMANCE_DIMS)
    try:
        with pytest.raises(BackendUnavailable, match="one process's"):
            qdrant.QdrantIndex(f"local:{tmp_path}", dims=CONFORMANCE_DIMS)
    finally:
        first.close()
