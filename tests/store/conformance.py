"""The behaviour every ``ObjectStore`` shares, as one suite each backend's tests inherit.

Usage::

    class TestMyStore(ObjectStoreConformance):
        @pytest.fixture
        def store(self) -> ObjectStore:
            return MyStore(...)  # empty, private to the test
"""

from __future__ import annotations

import io

import pytest

from mediasift.errors import InvalidRequest, NotFound
from mediasift.store.base import ObjectStore

INVALID_KEYS = ["", "../x", "a/../b", "/abs", "a//b", "a/./b", "a\\b", "a/"]


class ObjectStoreConformance:
    @pytest.fixture
    def store(self) -> ObjectStore:
        raise NotImplementedError("a backend's test class provides the store fixture")

    def test_put_bytes_then_get_bytes_round_trips(self, store: ObjectStore) -> None:
        store.put_bytes("raw/t1/m1/original.txt", b"hello", "text/plain")
        assert store.get_bytes("raw/t1/m1/original.txt") == b"hello"

    def test_put_stream_returns_bytes_written(self, store: ObjectStore) -> None:
        data = bytes(range(256)) * 1000
        assert store.put_stream("raw/t1/m1/original.bin", io.BytesIO(data)) == len(data)
        assert store.get_bytes("raw/t1/m1/original.bin") == data

    def test_empty_object_is_an_object(self, store: ObjectStore) -> None:
        assert store.put_stream("a/empty", io.BytesIO(b"")) == 0
        assert store.exists("a/empty")
        assert store.get_bytes("a/empty") == b""

    def test_open_streams_the_object(self, store: ObjectStore) -> None:
        store.put_bytes("a/b.bin", b"0123456789")
        with store.open("a/b.bin") as f:
            assert f.read(4) == b"0123"
            assert f.read() == b"456789"

    def test_overwrite_replaces_the_object(self, store: ObjectStore) -> None:
        store.put_bytes("a/b", b"first version, longer")
        store.put_bytes("a/b", b"second")
        assert store.get_bytes("a/b") == b"second"
        assert list(store.list("a/")) == ["a/b"]

    def test_exists_tells_present_from_absent(self, store: ObjectStore) -> None:
        store.put_bytes("a/b", b"x")
        assert store.exists("a/b")
        assert not store.exists("a/c")

    def test_missing_key_raises_not_found(self, store: ObjectStore) -> None:
        with pytest.raises(NotFound):
            store.get_bytes("no/such/key")
        with pytest.raises(NotFound):
            store.open("no/such/key")
        with pytest.raises(NotFound), store.local_path("no/such/key"):
            pass

    def test_delete_removes_and_tolerates_missing(self, store: ObjectStore) -> None:
        store.put_bytes("a/b", b"x")
        store.delete("a/b")
        assert not store.exists("a/b")
        store.delete("a/b")  # deleting a missing key is not an error

    def test_delete_prefix_removes_only_that_prefix(self, store: ObjectStore) -> None:
        for key in ["raw/t1/m1/original.mp4", "processed/t1/m1/thumb.jpg", "processed/t1/m1/frames/1.jpg"]:
            store.put_bytes(key, b"x")
        store.put_bytes("processed/t1/m10/thumb.jpg", b"keep")  # shares the string prefix "m1"
        assert store.delete_prefix("processed/t1/m1/") == 2
        assert list(store.list("processed/")) == ["processed/t1/m10/thumb.jpg"]
        assert store.exists("raw/t1/m1/original.mp4")
        assert store.delete_prefix("processed/t1/nothing/") == 0

    def test_list_yields_keys_under_prefix(self, store: ObjectStore) -> None:
        keys = ["p/t1/a/1", "p/t1/a/2", "p/t1/b/1", "p/t2/a/1"]
        for key in keys:
            store.put_bytes(key, b"x")
        assert sorted(store.list("p/t1/")) == keys[:3]
        assert sorted(store.list("p/")) == keys
        assert list(store.list("nothing/")) == []

    def test_list_prefix_need_not_end_at_a_slash(self, store: ObjectStore) -> None:
        store.put_bytes("p/t1/a", b"x")
        store.put_bytes("p/t10/a", b"x")
        assert sorted(store.list("p/t1")) == ["p/t1/a", "p/t10/a"]

    def test_local_path_is_a_readable_file_with_the_bytes(self, store: ObjectStore) -> None:
        store.put_bytes("raw/t1/m1/original.wav", b"RIFF....")
        with store.local_path("raw/t1/m1/original.wav") as path:
            assert path.read_bytes() == b"RIFF...."
            assert path.suffix == ".wav"  # decoders may sniff the extension

    @pytest.mark.parametrize("key", INVALID_KEYS)
    def test_invalid_keys_are_rejected(self, store: ObjectStore, key: str) -> None:
        with pytest.raises(InvalidRequest):
            store.put_bytes(key, b"x")
        with pytest.raises(InvalidRequest):
            store.get_bytes(key)
        with pytest.raises(InvalidRequest):
            store.exists(key)
        with pytest.raises(InvalidRequest):
            store.delete(key)

    def test_unicode_and_spaces_in_keys_round_trip(self, store: ObjectStore) -> None:
        key = "raw/t1/m1/vídeo de prueba (1).mp4"
        store.put_bytes(key, b"x")
        assert store.get_bytes(key) == b"x"
        assert list(store.list("raw/t1/m1/")) == [key]
