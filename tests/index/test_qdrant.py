"""QdrantIndex in qdrant-client's local mode (same API as a Qdrant server, exact brute-force search),
against the shared Index suite, plus the Qdrant data model: collections per space, the tenant
payload index, and non-UUID ids.

Verified only in local mode (no Qdrant server binary installs here): HNSW parameters and payload
indexes are recorded but local mode searches exactly and ignores them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mediasift.errors import InvalidRequest
from tests.index.conformance import CONFORMANCE_DIMS, IndexConformance, ids, load, point

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


def test_one_collection_per_space_plus_keywords(index: QdrantIndex) -> None:
    names = {c.name for c in index.client.get_collections().collections}
    assert names == {"ms_text", "ms_image", "ms_keyword"}


class RecordingClient:
    """A real local-mode client that records the payload indexes asked of it (local mode keeps none)."""

    def __init__(self) -> None:
        from qdrant_client import QdrantClient

        self._client = QdrantClient(location=":memory:")
        self.payload_indexes: dict[tuple[str, str], Any] = {}

    def create_payload_index(self, collection: str, field: str, field_schema: Any = None, **kw: Any) -> Any:
        self.payload_indexes[(collection, field)] = field_schema
        return self._client.create_payload_index(collection, field, field_schema=field_schema, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_every_collection_has_a_tenant_payload_index() -> None:
    client = RecordingClient()
    QdrantIndex(client=client, dims=CONFORMANCE_DIMS)
    for collection in ("ms_text", "ms_image", "ms_keyword"):
        tenant = client.payload_indexes[(collection, "tenant_id")]
        assert tenant.type == "keyword" and tenant.is_tenant is True
        assert {field for (c, field) in client.payload_indexes if c == collection} >= {
            "media_id",
            "kind",
            "collection",
            "modality",
            "language",
        }


def test_non_uuid_ids_round_trip(index: QdrantIndex) -> None:
    p = point("hello", text_vector=[1.0, 0.0, 0.0, 0.0], id="segment-42")
    load(index, [p])
    assert ids(index.search_vector("text", "acme", [1.0, 0.0, 0.0, 0.0], limit=1)) == ["segment-42"]
    assert ids(index.search_keyword("acme", "hello", limit=1)) == ["segment-42"]


def test_wrong_dimension_is_rejected_with_a_reindex_hint(index: QdrantIndex) -> None:
    with pytest.raises(InvalidRequest, match="reindex"):
        index.upsert([point(text_vector=[1.0, 0.0])])


def test_local_path_mode_persists_across_reopen(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"local:{tmp_path / 'qdrant'}"
    first = QdrantIndex(url)
    load(first, [point("persisted words", text_vector=[1.0, 0.0, 0.0, 0.0])])
    first.close()
    again = QdrantIndex(url)
    assert again.count("acme") == 1
    assert len(again.search_keyword("acme", "words", limit=5)) == 1
    again.close()
