"""LocalStore, the embedded default, against the shared ObjectStore suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediasift.store.local import LocalStore
from tests.store.conformance import ObjectStoreConformance


class TestLocalStore(ObjectStoreConformance):
    @pytest.fixture
    def store(self, tmp_path: Path) -> LocalStore:
        return LocalStore(tmp_path / "objects")

    def test_local_path_is_the_stored_file_itself(self, store: LocalStore) -> None:
        store.put_bytes("a/b.txt", b"x")
        with store.local_path("a/b.txt") as path:
            assert path == store.root / "a" / "b.txt"
        assert store.exists("a/b.txt")  # no temp copy to clean up

    def test_has_no_presigned_urls(self, store: LocalStore) -> None:
        store.put_bytes("a/b", b"x")
        assert store.url("a/b") is None
