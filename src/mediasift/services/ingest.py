"""Taking media in: stream to the object store while hashing, deduplicate, create media + job.

Nothing here decodes the media: the kind is settled by content sniffing in the worker, so a bad
file fails its own job (and reaches the dead-letter state) instead of failing the upload.
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any, BinaryIO

from ulid import ULID

from mediasift.catalog import repo
from mediasift.catalog.models import Job, Media
from mediasift.catalog.uploads import NewMedia, record_upload
from mediasift.domain import collection_name
from mediasift.errors import Conflict, InvalidRequest, LimitExceeded
from mediasift.jobs import lifecycle
from mediasift.media.subtitle_format import subtitle_mime
from mediasift.media.subtitle_tracks import sidecar_name
from mediasift.store.base import raw_key, subtitles_prefix

if TYPE_CHECKING:
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.ingest")


@dataclass
class Ingested:
    media: Media
    job: Job | None
    duplicate: bool


class _HashingReader:
    """Wraps a stream: hashes what passes through and stops past ``limit`` bytes."""

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        self._stream, self._limit = stream, limit
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        chunk = self._stream.read(n if n and n > 0 else 1024 * 1024)
        self.size += len(chunk)
        if self.size > self._limit:
            raise LimitExceeded(f"upload exceeds the limit of {self._limit} bytes")
        self.sha256.update(chunk)
        return chunk


# Characters that change how a name looks or where its lines break rather than what it says.
# Bidirectional controls reorder the text around them: "invoice\u202etxt.exe" shows as
# "invoiceexe.txt". Zero-width joiners stay: emoji sequences and several scripts need them.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})  # C0/C1 controls, lone surrogates, U+2028/9


def safe_filename(name: str | None) -> str:
    """A display name from untrusted input: NFC, ≤200 chars (a longer one is cut before its
    extension, which names the format), no directories, and no control, line-breaking or
    bidirectional-control characters (they are removed)."""
    name = unicodedata.normalize("NFC", name or "")
    name = "".join(ch for ch in name if not _hides_or_breaks(ch))
    name = PureWindowsPath(PurePosixPath(name).name).name.strip().lstrip(".")
    if len(name) > MAX_NAME_CHARS:
        extension = _extension(name)
        name = name[: MAX_NAME_CHARS - len(extension)].rstrip() + extension
    return name or "upload"


MAX_NAME_CHARS = 200


def _hides_or_breaks(ch: str) -> bool:
    return ch in _BIDI_CONTROLS or unicodedata.category(ch) in _INVISIBLE_CATEGORIES


def _extension(filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""


def ingest_stream(
    rt: Runtime,
    tenant_id: str,
    stream: BinaryIO,
    filename: str | None,
    *,
    collection: str = "default",
    metadata: dict[str, Any] | None = None,
    source_uri: str | None = None,
    subtitles: Sequence[tuple[str, bytes]] = (),
) -> Ingested:
    """``subtitles``: (filename, bytes) of subtitle files sent beside a video or an audio file
    (``subtitle_files``), kept beside its original for the pipeline to read as tracks."""
    collection = collection_name(collection)
    name = safe_filename(filename)
    sidecars = [
        (sidecar_name(n, sent, text), text) for n, (sent, text) in enumerate(subtitle_files(subtitles))
    ]
    media_id = str(ULID())
    key = raw_key(tenant_id, media_id, _extension(name))
    reader = _HashingReader(stream, rt.settings.max_upload_bytes)
    try:
        size = rt.store.put_stream(key, reader)  # type: ignore[arg-type]
    except BaseException:
        rt.store.delete(key)
        raise
    sha = reader.sha256.hexdigest()
    prefix = subtitles_prefix(tenant_id, media_id)
    for sidecar, text in sidecars:
        rt.store.put_bytes(prefix + sidecar, text.encode(), "text/plain; charset=utf-8")

    new = NewMedia(media_id, tenant_id, name, key, size, sha, collection, dict(metadata or {}), source_uri)
    try:
        recorded = record_upload(rt.catalog, new, rt.settings.max_attempts)
    except BaseException:
        # Not recorded (a catalog that refused the write, a client gone): the bytes stored under
        # this new media's id are no one's, and had stayed on disk for good, one original each.
        rt.store.delete(key)
        rt.store.delete_prefix(prefix)
        raise
    if recorded is None:
        rt.store.delete(key)
        rt.store.delete_prefix(prefix)
        raise Conflict("could not record the upload; try again")
    if recorded.duplicate:
        # Same bytes, same tenant: keep the first copy and its results; nothing is processed again.
        media = recorded.media
        if media.original_deleted_at is not None:
            media = _restore_original(rt, media, key)
        rt.store.delete(key)
        rt.store.delete_prefix(prefix)
        return Ingested(media=media, job=recorded.job, duplicate=True)
    assert recorded.job is not None  # a new media always comes with its job
    lifecycle.submit(rt, recorded.job.id)
    return Ingested(media=recorded.media, job=recorded.job, duplicate=False)


def _restore_original(rt: Runtime, media: Media, key: str) -> Media:
    """The bytes at ``key`` are ``media``'s, whose original retention deleted: they are its original
    again, so it can be reprocessed, downloaded and converted (the 409 that refuses those says to
    upload the file again)."""
    with rt.store.open(key) as f:
        rt.store.put_stream(media.original_key, f)
    with rt.catalog.session() as s:
        restored = repo.get_media(s, media.tenant_id, media.id)
        restored.original_deleted_at = None
        s.flush()
        s.expunge(restored)
    log.info("media %s: its original, deleted by retention, was uploaded again", media.id)
    return restored


MAX_SUBTITLE_FILES = 8
MAX_SUBTITLE_BYTES = 4 * 1024 * 1024  # a feature film's SubRip is ~100 KB


def subtitle_files(files: Sequence[tuple[str, bytes]]) -> list[tuple[str, str]]:
    """Each subtitle file as (its filename, made safe; its text), checked: ``InvalidRequest`` for
    one that is not SubRip or WebVTT, or for more than a media holds, so the request is refused
    before anything is kept (``sidecar_name`` names each as kept)."""
    if len(files) > MAX_SUBTITLE_FILES:
        raise InvalidRequest(f"at most {MAX_SUBTITLE_FILES} subtitle files beside a media")
    checked = []
    for filename, data in files:
        if len(data) > MAX_SUBTITLE_BYTES:
            raise LimitExceeded(f"subtitles {filename!r} exceed {MAX_SUBTITLE_BYTES} bytes")
        text = _decoded(data)
        if subtitle_mime(text) is None:
            raise InvalidRequest(
                f"subtitles {safe_filename(filename)!r}: not a SubRip (.srt) or WebVTT (.vtt) file"
            )
        checked.append((safe_filename(filename), text))
    return checked


def _decoded(data: bytes) -> str:
    """A subtitle file's text: UTF-8 (with or without its mark), else Windows-1252, in which
    older SubRip files were written."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")
