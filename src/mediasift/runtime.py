"""The running system's parts, built once from ``Settings`` and shared by API, CLI and workers."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from mediasift import factory
from mediasift.catalog.db import Catalog
from mediasift.config import Settings
from mediasift.domain import IMAGE_SPACE, TEXT_SPACE
from mediasift.embed.cached import CachedQueryBatches, CachedTextEmbedder
from mediasift.embed.text.factory import get_ingest_text_embedder, get_text_embedder
from mediasift.models.registry import ModelRegistry

SEARCH_CACHE = "search"

if TYPE_CHECKING:
    from mediasift.cache.base import Cache
    from mediasift.index.base import Index
    from mediasift.queue.base import Queue
    from mediasift.store.base import ObjectStore
    from mediasift.store.s3 import BucketReader


class JobEnds:
    """Counts the job attempts that ended in this process, so that a caller waiting for a job run
    here (``mediasift ingest --wait`` with its in-process workers) wakes when one ends rather
    than at its next poll."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._count = 0

    @property
    def count(self) -> int:
        with self._changed:
            return self._count

    def mark(self) -> None:
        with self._changed:
            self._count += 1
            self._changed.notify_all()

    def wait(self, seen: int, timeout_s: float) -> None:
        """Return once an attempt has ended since ``count`` was ``seen``, or after ``timeout_s``."""
        with self._changed:
            self._changed.wait_for(lambda: self._count != seen, timeout_s)


@dataclass
class Runtime:
    settings: Settings
    catalog: Catalog
    store: ObjectStore
    queue: Queue
    index: Index
    models: ModelRegistry = field(default_factory=ModelRegistry)
    stopping: threading.Event = field(default_factory=threading.Event)
    job_ends: JobEnds = field(default_factory=JobEnds)
    started_monotonic: float = field(default_factory=time.monotonic)
    _query_batches: dict[str, CachedQueryBatches] = field(default_factory=dict, repr=False)

    @cached_property
    def cache(self) -> Cache:
        return factory.make_cache(self.settings)

    @cached_property
    def bucket_reader(self) -> BucketReader:
        """Where bucket events' objects are read from: one S3 client for the runtime's life."""
        return factory.make_bucket_reader(self.settings)

    def text_embedder(self, tenant_id: str, *, ingest: bool = False) -> CachedTextEmbedder:
        """The configured text embedder, its vectors cached under ``tenant_id``: its interactive
        lane (search, ask), or with ``ingest`` the lane the pipeline's passages queue in."""
        lane = get_ingest_text_embedder if ingest else get_text_embedder
        return CachedTextEmbedder(lane(self.models, self.settings), self.cache, tenant_id)

    def query_batches(self, tenant_id: str) -> CachedQueryBatches:
        """Enrichment's sentence model (the interactive lane's batched ``query:`` texts), its vectors
        cached under ``tenant_id``. One object per tenant for the runtime's life: enrichment keeps
        what it built from it (a taxonomy's embedded labels) by its identity."""
        found = self._query_batches.get(tenant_id)
        if found is None or found.cache is not self.cache:  # a test may swap the cache
            # Two threads may both build one; either is right, and the one kept is used from then.
            found = CachedQueryBatches(get_text_embedder(self.models, self.settings), self.cache, tenant_id)
            self._query_batches[tenant_id] = found
        return found

    def invalidate_tenant(self, tenant_id: str) -> None:
        """Forget cached search results of a tenant whose media changed."""
        self.cache.invalidate(tenant_id, SEARCH_CACHE)

    def close(self) -> None:
        self.stopping.set()
        self.models.close()
        self.index.close()
        self.catalog.close()
        factory.release_embedded_index(self.settings)


def open_runtime(settings: Settings | None = None, *, wipe_index: bool = False) -> Runtime:
    """``wipe_index`` opens the index empty (``Index.wipe``): ``reindex --wipe`` after a change of
    embedding model, when the index holds vectors of other sizes."""
    settings = settings or Settings()
    settings.home.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(settings.resolved_catalog_url)
    catalog.migrate()
    return Runtime(
        settings=settings,
        catalog=catalog,
        store=factory.make_store(settings),
        queue=factory.make_queue(settings, catalog),
        index=factory.make_index(settings, embedding_dims(settings), wipe=wipe_index),
        models=ModelRegistry.for_settings(settings),
    )


def embedding_dims(settings: Settings) -> dict[str, int]:
    """Each embedding space's vector size, from the configured embedders (none is loaded for it)."""
    from mediasift.embed.image.factory import image_embedder_dim
    from mediasift.embed.text.factory import text_embedder_dim

    return {TEXT_SPACE: text_embedder_dim(settings), IMAGE_SPACE: image_embedder_dim(settings)}
