"""S3 object store (AWS S3 or any S3-compatible service such as MinIO) through boto3.

What a caller may rely on beyond ``ObjectStore``:

- ``put_stream`` never holds a whole object in memory: streams larger than ``multipart_threshold``
  bytes go up as a multipart upload in ``multipart_chunksize`` parts, and an aborted upload leaves
  no object behind (boto3 aborts the multipart upload on error).
- every write carries the server-side encryption header (``sse``, default ``AES256``; ``None`` to
  leave encryption to the bucket's default, e.g. SSE-KMS configured by Terraform).
- ``open_range(key, start, end)`` reads bytes ``[start, end)`` without downloading the object.
- ``url`` returns a presigned GET URL; ``local_path`` downloads to a temp file deleted on exit.
- keys are validated exactly like ``LocalStore`` (no ``..``, no leading ``/``, no empty segment),
  so the same key is valid on every backend.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, BinaryIO, Literal, TypedDict, cast

from mediasift.errors import BackendUnavailable, InvalidRequest, NotFound

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.literals import ServerSideEncryptionType
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef
else:
    S3Client = Any

_MIB = 1024 * 1024
_NOT_FOUND_CODES = {"404", "NoSuchKey", "NotFound"}
_DELETE_BATCH = 1000  # DeleteObjects accepts at most 1000 keys per request


def _boto3() -> Any:
    try:
        import boto3
    except ImportError as e:  # pragma: no cover - exercised only without the extra
        raise BackendUnavailable("the S3 object store needs boto3: pip install 'mediasift[s3]'") from e
    return boto3


def check_key(key: str) -> str:
    """The key if it is a safe relative object key, else ``InvalidRequest`` (same rule as LocalStore)."""
    if not key or key.startswith("/") or "\\" in key or any(p in ("", ".", "..") for p in key.split("/")):
        raise InvalidRequest(f"invalid object key: {key!r}")
    return key


def _check_prefix(prefix: str) -> str:
    # A listing prefix may be empty or end in "/" (so its last segment is empty), nothing else differs.
    if prefix:
        check_key(prefix.rstrip("/") if prefix.endswith("/") else prefix)
    return prefix


def s3_client(endpoint_url: str | None, region: str) -> S3Client:
    """A boto3 S3 client with standard retries (thread-safe: one serves a whole process)."""
    boto3 = _boto3()
    from botocore.config import Config

    # Path-style addressing for custom endpoints: MinIO and IP-addressed endpoints have no
    # per-bucket DNS names.
    style: Literal["path", "auto"] = "path" if endpoint_url else "auto"
    config = Config(
        signature_version="s3v4",
        s3={"addressing_style": style},
        retries={"max_attempts": 5, "mode": "standard"},
    )
    return boto3.client("s3", endpoint_url=endpoint_url, region_name=region, config=config)


class BucketReader:
    """Objects of any bucket, read by the bucket's own key: what an S3 event notification names.

    Unlike ``S3Store`` it applies no key rules and no prefix: S3 allows keys those rules refuse (a
    backslash, say), and the key never becomes a path here. Errors as ``S3Store``'s: a missing
    object is ``NotFound``, an unreachable S3 ``BackendUnavailable``.
    """

    def __init__(
        self, endpoint_url: str | None = None, region: str = "us-east-1", client: S3Client | None = None
    ) -> None:
        self.client = client or s3_client(endpoint_url, region)

    def open(self, bucket: str, key: str) -> BinaryIO:
        """A readable stream of the object (caller closes)."""
        with _translated(key):
            response = self.client.get_object(Bucket=bucket, Key=key)
        return cast(BinaryIO, response["Body"])

    def keys(self, bucket: str, prefix: str, limit: int = 100) -> list[str]:
        """The first ``limit`` keys of the bucket under ``prefix``, in S3's order."""
        with _translated(prefix):
            response = self.client.list_objects_v2(Bucket=bucket, Prefix=prefix, MaxKeys=limit)
        return [item["Key"] for item in response.get("Contents", [])]


class _ObjectArgs(TypedDict, total=False):
    ContentType: str
    ServerSideEncryption: ServerSideEncryptionType


class _CountingReader:
    """Wraps a stream to count the bytes boto3 pulls through it (put_stream returns that count)."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size)
        self.count += len(data)
        return data


class S3Store:
    """``ObjectStore`` on one bucket, optionally under a key prefix shared with other data."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        sse: str | None = "AES256",
        client: S3Client | None = None,
        multipart_threshold: int = 16 * _MIB,
        multipart_chunksize: int = 16 * _MIB,
        max_concurrency: int = 4,
    ) -> None:
        from boto3.s3.transfer import TransferConfig

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        # a name AWS does not know is refused by S3 itself, with its own message
        self.sse = cast("ServerSideEncryptionType | None", sse or None)
        self.client = client or s3_client(endpoint_url, region)
        # Chunks are held in memory per concurrent part: threshold x concurrency bounds the memory.
        self._transfer = TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=multipart_chunksize,
            max_concurrency=max_concurrency,
            use_threads=max_concurrency > 1,
        )

    # -- keys ------------------------------------------------------------------------------------

    def _full(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _extra_args(self, content_type: str | None) -> _ObjectArgs:
        extra: _ObjectArgs = {}
        if content_type:
            extra["ContentType"] = content_type
        if self.sse:
            extra["ServerSideEncryption"] = self.sse
        return extra

    # -- writes ----------------------------------------------------------------------------------

    def put_stream(self, key: str, stream: BinaryIO, content_type: str | None = None) -> int:
        full = self._full(key)
        reader = _CountingReader(stream)
        extra: dict[str, Any] = {**self._extra_args(content_type)}
        with _translated(key):
            self.client.upload_fileobj(
                cast(BinaryIO, reader),  # boto3 only calls read() on what it uploads
                self.bucket,
                full,
                ExtraArgs=extra,
                Config=self._transfer,
            )
        return reader.count

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None:
        full = self._full(key)
        with _translated(key):
            self.client.put_object(Bucket=self.bucket, Key=full, Body=data, **self._extra_args(content_type))

    # -- reads -----------------------------------------------------------------------------------

    def open(self, key: str) -> BinaryIO:
        full = self._full(key)
        with _translated(key):
            response = self.client.get_object(Bucket=self.bucket, Key=full)
        # botocore's StreamingBody is an io.IOBase: read(n), iteration and close() as a file.
        return cast(BinaryIO, response["Body"])

    def open_range(self, key: str, start: int, end: int | None = None) -> BinaryIO:
        """A stream of bytes ``[start, end)`` (to the end of the object when ``end`` is None).

        Offsets are bytes, half-open like a Python slice; a range past the end is ``InvalidRequest``.
        """
        if start < 0 or (end is not None and end <= start):
            raise InvalidRequest(f"invalid byte range [{start}, {end})")
        full = self._full(key)
        # HTTP ranges are inclusive of their last byte.
        byte_range = f"bytes={start}-" if end is None else f"bytes={start}-{end - 1}"
        with _translated(key):
            response = self.client.get_object(Bucket=self.bucket, Key=full, Range=byte_range)
        return cast(BinaryIO, response["Body"])

    def get_bytes(self, key: str) -> bytes:
        with self.open(key) as body:
            return body.read()

    def exists(self, key: str) -> bool:
        try:
            with _translated(key):
                self.client.head_object(Bucket=self.bucket, Key=self._full(key))
        except NotFound:
            return False
        return True

    def list(self, prefix: str) -> Iterator[str]:
        """Keys under prefix, in S3's order (lexicographic by UTF-8 bytes)."""
        full_prefix = self.prefix + _check_prefix(prefix)
        paginator = self.client.get_paginator("list_objects_v2")
        with _translated(prefix):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=full_prefix):
                for obj in page.get("Contents", []):
                    yield obj["Key"][len(self.prefix) :]

    # -- deletes ---------------------------------------------------------------------------------

    def delete(self, key: str) -> None:
        with _translated(key):
            self.client.delete_object(Bucket=self.bucket, Key=self._full(key))

    def delete_prefix(self, prefix: str) -> int:
        keys = [self.prefix + key for key in self.list(prefix)]
        for i in range(0, len(keys), _DELETE_BATCH):
            batch: list[ObjectIdentifierTypeDef] = [{"Key": key} for key in keys[i : i + _DELETE_BATCH]]
            with _translated(prefix):
                response = self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True}
                )
            if errors := response.get("Errors"):
                first = errors[0]
                raise BackendUnavailable(
                    f"S3 refused to delete {len(errors)} object(s) under {prefix!r}: "
                    f"{first.get('Key')}: {first.get('Code')} {first.get('Message')}"
                )
        return len(keys)

    # -- local access and URLs -------------------------------------------------------------------

    @contextmanager
    def local_path(self, key: str) -> Iterator[Path]:
        """Download to a temp file (keeping the key's extension, which some decoders sniff)."""
        full = self._full(key)
        fd, tmp = tempfile.mkstemp(prefix="mediasift-s3-", suffix=PurePosixPath(key).suffix)
        path = Path(tmp)
        try:
            with os.fdopen(fd, "wb") as out, _translated(key):
                self.client.download_fileobj(self.bucket, full, out, Config=self._transfer)
            yield path
        finally:
            path.unlink(missing_ok=True)

    def url(self, key: str, expires_s: int = 3600) -> str | None:
        return self.client.generate_presigned_url(
            "get_object", Params={"Bucket": self.bucket, "Key": self._full(key)}, ExpiresIn=expires_s
        )


@contextmanager
def _translated(key: str) -> Iterator[None]:
    """Map botocore errors to mediasift's: a missing key is NotFound, an unreachable S3 is 503."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        yield
    except ClientError as e:
        error = e.response.get("Error", {})
        code = str(error.get("Code", ""))
        if code in _NOT_FOUND_CODES:
            raise NotFound(f"object {key} not found") from None
        if code == "InvalidRange":
            raise InvalidRequest(f"byte range outside object {key}") from None
        raise BackendUnavailable(f"S3 error on {key!r}: {code} {error.get('Message', '')}".strip()) from e
    except BotoCoreError as e:
        raise BackendUnavailable(f"S3 unreachable ({key!r}): {e}") from e
