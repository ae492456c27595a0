"""A media after its upload: deleted everywhere, or processed again."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mediasift.catalog import chats, repo
from mediasift.errors import Conflict
from mediasift.jobs import lifecycle
from mediasift.services.retention import original_deleted
from mediasift.store.base import media_prefixes, report_key

if TYPE_CHECKING:
    from mediasift.catalog.models import Job
    from mediasift.runtime import Runtime


def delete_media(rt: Runtime, tenant_id: str, media_id: str, *, drop_letters: bool = True) -> None:
    """Remove a media everywhere: vectors, objects (original, artifacts, its reports and its
    collection's saved reports), catalog rows, caches, chat answers' quotes of it, and the queue's
    dead letters of its dead jobs (``drop_letters=False``: the caller drops them)."""
    with rt.catalog.session() as s:
        media = repo.get_media(s, tenant_id, media_id)
        dead = repo.dead_job_ids(s, media_id)
    if dead and drop_letters:
        rt.queue.drop_dead_letters(dead)
    rt.index.delete_media(tenant_id, media_id)
    for prefix in media_prefixes(tenant_id, media_id):
        rt.store.delete_prefix(prefix)
    _drop_collection_reports(rt, tenant_id, media.collection)
    with rt.catalog.session() as s:
        repo.delete_media_rows(s, repo.get_media(s, tenant_id, media.id))
        chats.forget_media(s, tenant_id, media.id)  # its words go from the answers that quoted it
    rt.invalidate_tenant(tenant_id)


def _drop_collection_reports(rt: Runtime, tenant_id: str, collection: str) -> None:
    """The collection's saved reports quoted the media (its summary, its names): they go, and the
    next report asked for is made without it."""
    from mediasift.services.reports import FORMATS  # rendering is not a deletion's to load

    for fmt in FORMATS:
        rt.store.delete(report_key(tenant_id, "collections", collection, fmt))


def reprocess_media(rt: Runtime, tenant_id: str, media_id: str) -> Job:
    """Run a media's pipeline again (``lifecycle.reprocess``); 409 once retention has deleted its
    original, since a job could only fail."""
    with rt.catalog.session() as s:
        repo.get_media(s, tenant_id, media_id)  # another tenant's media is not found, whatever its state
    if original_deleted(rt, media_id):
        raise Conflict(
            f"media {media_id}: its original was deleted by retention; upload it again to reprocess"
        )
    return lifecycle.reprocess(rt, tenant_id, media_id)
