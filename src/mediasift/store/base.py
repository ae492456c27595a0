"""The ``ObjectStore`` interface: originals and artifacts by key.

Keys are ``raw/{tenant}/{media_id}/original{ext}`` and ``processed/{tenant}/{media_id}/...``;
``object_key`` builds them so no caller joins user input into a path.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO, Protocol


class ObjectStore(Protocol):
    def put_stream(self, key: str, stream: BinaryIO, content_type: str | None = None) -> int:
        """Write a stream under key; returns bytes written. Replaces an existing object."""

    def put_bytes(self, key: str, data: bytes, content_type: str | None = None) -> None: ...

    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of the object (caller closes). Raises NotFound."""

    def get_bytes(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def delete(self, key: str) -> None:
        """Delete one object; deleting a missing key is not an error."""

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under prefix; returns how many."""

    def list(self, prefix: str) -> Iterator[str]: ...

    def local_path(self, key: str) -> AbstractContextManager[Path]:
        """A local file with the object's bytes for decoders that need a path (a temp copy for S3)."""

    def url(self, key: str, expires_s: int = 3600) -> str | None:
        """A presigned URL where the backend has one, else None (the API streams the bytes)."""


def raw_key(tenant_id: str, media_id: str, ext: str) -> str:
    return f"raw/{tenant_id}/{media_id}/original{ext}"


def processed_key(tenant_id: str, media_id: str, name: str) -> str:
    return f"processed/{tenant_id}/{media_id}/{name}"


def media_prefixes(tenant_id: str, media_id: str) -> list[str]:
    return [f"raw/{tenant_id}/{media_id}/", f"processed/{tenant_id}/{media_id}/"]
