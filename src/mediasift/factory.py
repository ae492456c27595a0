"""The one place where configuration strings become backend objects.

Each ``make_*`` maps a ``Settings`` value to an implementation class, importing optional heavy
dependencies only for the backend chosen (with an actionable error when they are missing).
"""

from __future__ import annotations

import fcntl
import os
import sys
from typing import TYPE_CHECKING

from mediasift.errors import BackendUnavailable

if TYPE_CHECKING:
    from mediasift.cache.base import Cache
    from mediasift.catalog.db import Catalog
    from mediasift.config import Settings
    from mediasift.index.base import Index
    from mediasift.queue.base import Queue
    from mediasift.store.base import ObjectStore
    from mediasift.store.s3 import BucketReader


def make_store(settings: Settings) -> ObjectStore:
    if settings.store == "s3":
        from mediasift.store.s3 import S3Store

        if not settings.s3_bucket:
            raise BackendUnavailable("MEDIASIFT_S3_BUCKET is required with MEDIASIFT_STORE=s3")
        return S3Store(
            settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            sse=settings.s3_sse or None,
        )
    from mediasift.store.local import LocalStore

    return LocalStore(settings.store_dir)


def make_bucket_reader(settings: Settings) -> BucketReader:
    """Reads the objects S3 event notifications name, in whichever bucket they landed."""
    from mediasift.store.s3 import BucketReader

    return BucketReader(endpoint_url=settings.s3_endpoint_url, region=settings.s3_region)


def make_queue(settings: Settings, catalog: Catalog) -> Queue:
    if settings.queue == "sqs":
        from mediasift.queue.sqs import SqsQueue

        if not settings.sqs_queue_url:
            raise BackendUnavailable("MEDIASIFT_SQS_QUEUE_URL is required with MEDIASIFT_QUEUE=sqs")
        return SqsQueue(settings.sqs_queue_url, wait_s=settings.sqs_wait_s)
    from mediasift.queue.db import DbQueue

    return DbQueue(catalog, poll_interval_s=settings.poll_interval_s)


def make_index(settings: Settings, dims: dict[str, int], *, wipe: bool = False) -> Index:
    """The configured index with the spaces ``dims``; ``wipe`` empties it as it opens
    (``Index.wipe``), so one built for other vector sizes opens too."""
    if settings.index == "pgvector":
        from mediasift.index.pgvector import PgVectorIndex

        return PgVectorIndex(
            settings.pgvector_url or settings.resolved_catalog_url,
            ef_search=settings.pgvector_ef_search,
            dims=dims,
            wipe=wipe,
        )
    if settings.index == "qdrant":
        from mediasift.index.qdrant import QdrantIndex

        if not settings.qdrant_url:
            raise BackendUnavailable("MEDIASIFT_QDRANT_URL is required with MEDIASIFT_INDEX=qdrant")
        return QdrantIndex(settings.qdrant_url, dims=dims, wipe=wipe)
    from mediasift.index.edge import EdgeIndex

    _claim_embedded_index(settings)  # before a wipe too: never delete a shard another process owns
    return EdgeIndex(settings.index_dir, dims, hnsw_ef=settings.edge_hnsw_ef, wipe=wipe)


def make_cache(settings: Settings) -> Cache:
    if settings.cache == "redis":
        from mediasift.cache.redis import RedisCache

        return RedisCache(settings.redis_url)
    from mediasift.cache.memory import MemoryCache

    return MemoryCache()


_held_locks: dict[str, int] = {}


def _claim_embedded_index(settings: Settings) -> None:
    """One process owns an Edge shard; a second one gets a clear error instead of corruption."""
    settings.home.mkdir(parents=True, exist_ok=True)
    path = str((settings.home / "index.lock").resolve())
    if path in _held_locks:
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        owner = _lock_owner(fd)
        os.close(fd)
        command = sys.argv[1] if len(sys.argv) > 1 else ""
        advice = (
            f"stop it first: `mediasift {command}` needs the home to itself"
            if command in _OWN_HOME
            else "wait for it to end, or run `mediasift serve`: with a server up, every command "
            "reaches the home through it, as many at once as you like"
        )
        raise BackendUnavailable(
            f"the embedded index in {settings.home} is in use by another mediasift process{owner}; {advice}"
        ) from None
    # Who holds it, for the next process's message (an in-process `ingest --wait` had been taken
    # for "a running `mediasift serve`?").
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()} {' '.join(['mediasift', *sys.argv[1:]])[:300]}".encode())
    _held_locks[path] = fd


# Commands that open the home themselves even with a server up (the rest go through it).
_OWN_HOME = ("serve", "worker", "reindex", "retention")


def _lock_owner(fd: int) -> str:
    try:
        said = os.pread(fd, 400, 0).decode("utf-8", "replace").strip()
    except OSError:
        return ""
    pid, _, command = said.partition(" ")
    return f" (process {pid}: `{command}`)" if pid.isdigit() and command else ""


def release_embedded_index(settings: Settings) -> None:
    path = str((settings.home / "index.lock").resolve())
    fd = _held_locks.pop(path, None)
    if fd is not None:
        os.close(fd)
