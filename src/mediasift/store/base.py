"""The ``ObjectStore`` interface: originals and artifacts by key.

Keys are ``raw/{tenant}/{media_id}/original{ext}``, ``processed/{tenant}/{media_id}/...`` and, for
reports, ``processed/{tenant}/reports/{media|collections}/{name}.{ext}``; the functions below build
them so no caller joins user input into a path.
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


def subtitles_prefix(tenant_id: str, media_id: str) -> str:
    """Where the subtitle files uploaded beside a media's original are kept (``services/ingest``)."""
    return f"raw/{tenant_id}/{media_id}/subtitles/"


def subtitle_sources_key(tenant_id: str, media_id: str) -> str:
    """Which bucket object each of a media's kept subtitle files came from
    (``services/bucket_objects``), beside them and gone with the media."""
    return f"raw/{tenant_id}/{media_id}/subtitle_sources.json"


CONVERSIONS = "conversions/"  # under a media's processed prefix: its conversions' files


def processed_key(tenant_id: str, media_id: str, name: str) -> str:
    return f"processed/{tenant_id}/{media_id}/{name}"


def report_key(tenant_id: str, scope: str, name: str, ext: str) -> str:
    """Where the last report of one media (``scope="media"``, ``name`` its id) or one collection
    (``scope="collections"``) in format ``ext`` is kept: every report of a tenant under one prefix,
    ``processed/{tenant}/reports/`` (a media id is a ULID, so no media's folder is called that)."""
    return f"processed/{tenant_id}/reports/{scope}/{name}.{ext}"


def media_prefixes(tenant_id: str, media_id: str) -> list[str]:
    """Every prefix holding a media's objects: its original, its artifacts and its reports."""
    return [
        f"raw/{tenant_id}/{media_id}/",
        f"processed/{tenant_id}/{media_id}/",
        report_key(tenant_id, "media", media_id, ""),
    ]
