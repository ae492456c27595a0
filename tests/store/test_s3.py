"""S3Store against a real S3 endpoint (moto server on 127.0.0.1) through boto3.

Beyond the shared suite: multipart uploads of large streams, ranged reads, the encryption header,
presigned URLs that a plain HTTP client can fetch, and the key prefix keeping stores apart.
"""

from __future__ import annotations

import io
import os
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from mediasift.errors import BackendUnavailable, InvalidRequest, NotFound
from tests.store.conformance import ObjectStoreConformance

s3 = pytest.importorskip("mediasift.store.s3", reason="boto3 is not installed (pip install 'mediasift[s3]')")
S3Store = s3.S3Store

MIB = 1024 * 1024


@pytest.fixture
def make_store(aws_endpoint: str, s3_client: Any, s3_bucket: str) -> Any:
    def make(**kwargs: Any) -> Any:
        kwargs.setdefault("bucket", s3_bucket)
        return S3Store(endpoint_url=aws_endpoint, client=s3_client, **kwargs)

    return make


class TestS3Store(ObjectStoreConformance):
    @pytest.fixture
    def store(self, make_store: Any) -> Any:
        return make_store(prefix="mediasift")

    def test_large_stream_goes_up_as_multipart_upload(self, make_store: Any, s3_client: Any) -> None:
        store = make_store(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB, max_concurrency=2)
        data = os.urandom(12 * MIB)  # 3 parts: 5 + 5 + 2 MiB (S3's smallest part is 5 MiB)
        assert store.put_stream("raw/t1/m1/original.mp4", io.BytesIO(data), "video/mp4") == len(data)
        head = s3_client.head_object(Bucket=store.bucket, Key="raw/t1/m1/original.mp4")
        assert head["ETag"].strip('"').endswith("-3")  # a multipart ETag names its part count
        assert head["ContentType"] == "video/mp4"
        assert store.get_bytes("raw/t1/m1/original.mp4") == data

    def test_small_stream_is_a_single_put(self, make_store: Any, s3_client: Any) -> None:
        store = make_store()
        store.put_stream("a/b", io.BytesIO(b"small"))
        head = s3_client.head_object(Bucket=store.bucket, Key="a/b")
        assert "-" not in head["ETag"]

    def test_writes_carry_the_server_side_encryption_header(self, make_store: Any, s3_client: Any) -> None:
        store = make_store()
        store.put_bytes("a/bytes", b"x")
        store.put_stream("a/stream", io.BytesIO(b"x"))
        for key in ("a/bytes", "a/stream"):
            assert s3_client.head_object(Bucket=store.bucket, Key=key)["ServerSideEncryption"] == "AES256"

    def test_sse_none_leaves_encryption_to_the_bucket(self, make_store: Any, s3_client: Any) -> None:
        store = make_store(sse=None)
        store.put_bytes("a/b", b"x")
        assert "ServerSideEncryption" not in s3_client.head_object(Bucket=store.bucket, Key="a/b")

    def test_open_range_reads_a_half_open_byte_range(self, make_store: Any) -> None:
        store = make_store()
        store.put_bytes("a/b", b"0123456789")
        with store.open_range("a/b", 2, 5) as f:
            assert f.read() == b"234"
        with store.open_range("a/b", 7) as f:
            assert f.read() == b"789"

    def test_open_range_rejects_bad_ranges_and_missing_keys(self, make_store: Any) -> None:
        store = make_store()
        store.put_bytes("a/b", b"0123456789")
        with pytest.raises(InvalidRequest):
            store.open_range("a/b", 5, 5)
        with pytest.raises(InvalidRequest):
            store.open_range("a/b", 100, 200)
        with pytest.raises(NotFound):
            store.open_range("a/missing", 0, 1)

    def test_presigned_url_downloads_without_credentials(self, make_store: Any) -> None:
        store = make_store()
        store.put_bytes("processed/t1/m1/thumb.jpg", b"\xff\xd8jpeg", "image/jpeg")
        url = store.url("processed/t1/m1/thumb.jpg", expires_s=60)
        assert "X-Amz-Signature=" in url and "X-Amz-Expires=60" in url
        with urllib.request.urlopen(url, timeout=10) as response:  # plain HTTP, no AWS client
            assert response.read() == b"\xff\xd8jpeg"

    def test_local_path_temp_copy_is_deleted_on_exit(self, make_store: Any) -> None:
        store = make_store()
        store.put_bytes("raw/t1/m1/original.mp4", b"video bytes")
        with store.local_path("raw/t1/m1/original.mp4") as path:
            assert path.read_bytes() == b"video bytes"
            kept: Path = path
        assert not kept.exists()

    def test_local_path_temp_copy_is_deleted_when_the_caller_fails(self, make_store: Any) -> None:
        store = make_store()
        store.put_bytes("a/b", b"x")
        with pytest.raises(RuntimeError), store.local_path("a/b") as path:
            kept: Path = path
            raise RuntimeError("decoder crashed")
        assert not kept.exists()

    def test_prefix_keeps_two_stores_in_one_bucket_apart(self, make_store: Any, s3_client: Any) -> None:
        one, two = make_store(prefix="one"), make_store(prefix="two/")
        one.put_bytes("a/b", b"1")
        two.put_bytes("a/b", b"2")
        assert one.get_bytes("a/b") == b"1" and two.get_bytes("a/b") == b"2"
        assert list(one.list("")) == ["a/b"]
        assert one.delete_prefix("a/") == 1
        assert two.exists("a/b")
        keys = [o["Key"] for o in s3_client.list_objects_v2(Bucket=one.bucket)["Contents"]]
        assert keys == ["two/a/b"]

    def test_delete_prefix_handles_more_than_one_delete_batch(
        self, make_store: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        assert s3._DELETE_BATCH == 1000  # DeleteObjects takes 1000 keys per request
        monkeypatch.setattr(s3, "_DELETE_BATCH", 10)  # 1005 real objects would take 15 s
        store = make_store()
        for i in range(25):
            store.put_bytes(f"p/{i:04d}", b"")
        store.put_bytes("q/0000", b"")
        assert store.delete_prefix("p/") == 25
        assert list(store.list("p/")) == [] and list(store.list("q/")) == ["q/0000"]

    def test_builds_its_own_client_for_an_endpoint(
        self, aws_endpoint: str, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        store = S3Store(s3_bucket, endpoint_url=aws_endpoint)
        store.put_bytes("a/b", b"x")
        assert store.get_bytes("a/b") == b"x"

    def test_unreachable_endpoint_is_backend_unavailable(self) -> None:
        import boto3
        from botocore.config import Config

        client = boto3.client(
            "s3",
            endpoint_url="http://127.0.0.1:9",  # discard port: nothing listens
            region_name="us-east-1",
            aws_access_key_id="x",
            aws_secret_access_key="x",
            config=Config(retries={"max_attempts": 1}, connect_timeout=1),
        )
        with pytest.raises(BackendUnavailable):
            S3Store("bucket", client=client).get_bytes("a/b")


class TestBucketReader:
    def test_reads_a_bucket_key_the_store_would_refuse(self, s3_client: Any, s3_bucket: str) -> None:
        key = "clients/acme/..\\odd name.txt"  # a backslash: S3 takes it, the store's key rules do not
        s3_client.put_object(Bucket=s3_bucket, Key=key, Body=b"landed")
        with s3.BucketReader(client=s3_client).open(s3_bucket, key) as stream:
            assert stream.read() == b"landed"

    def test_a_missing_object_is_not_found(self, s3_client: Any, s3_bucket: str) -> None:
        with pytest.raises(NotFound):
            s3.BucketReader(client=s3_client).open(s3_bucket, "never/landed.txt")
