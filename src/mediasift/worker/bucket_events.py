"""Follow objects in a bucket: S3 ``ObjectCreated`` and ``ObjectRemoved`` notifications delivered by SQS.

A key is mapped to a tenant and metadata by ``settings.s3_event_key_pattern`` (default
``clients/{tenant}/products/{sku}/media/{media_type}/{filename}``); the media also records
``client`` (the tenant) and ``s3_key``. A new object is streamed into the store through the same
``ingest_stream`` as an upload, so the same bytes in the same tenant are deduplicated — which also
makes a redelivered event harmless. A new version of an object replaces its media's bytes and
processes it again; a removed object deletes its media (``services/bucket_objects.py``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from mediasift.errors import InvalidRequest, MediaRejected, NotFound
from mediasift.queue.s3_events import BucketEvent, EventDelivery, ObjectRemoved, match_key
from mediasift.services import direct_uploads
from mediasift.services.auth import check_tenant_id
from mediasift.services.bucket_objects import object_created, object_removed
from mediasift.services.ingest import Ingested

if TYPE_CHECKING:
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.bucket_events")


def ingest_delivery(rt: Runtime, delivery: EventDelivery) -> list[Ingested]:
    """Create, replace or delete the media of every matching object of one delivery; the caller
    acks it. Returns the media created or replaced (a duplicate too), in event order."""
    results = []
    for event in delivery.events:
        try:
            ingested = _follow(rt, event)
        except _FOREVER as exc:
            # The same every time (over the upload limit, the object gone, a key no media can
            # have): retried, it had ended as a raw letter in the SQS dead-letter queue, where
            # nothing in mediasift sees it. Said once, with its code, and the rest goes on.
            log.warning("bucket object %s not ingested: %s: %s", event.key, exc.code, exc.message)
            continue
        if ingested is not None:
            results.append(ingested)
    return results


# Errors an object's event ends in whichever worker takes it, however often.
_FOREVER = (MediaRejected, NotFound, InvalidRequest)


def _follow(rt: Runtime, event: BucketEvent) -> Ingested | None:
    """What one event does: the media created or replaced (a duplicate too), else None."""
    if direct_uploads.is_upload_key(event.key):
        if isinstance(event, ObjectRemoved):
            return None  # the worker itself deletes an upload's object once its media exists
        # The bytes of a direct upload (POST /v1/uploads): its record says tenant and metadata.
        return direct_uploads.ingest_uploaded(rt, event.bucket, event.key, event.size or None)
    matched = _tenant_and_fields(rt, event)
    if matched is None:
        return None
    tenant, fields = matched
    if isinstance(event, ObjectRemoved):
        deleted = object_removed(rt, tenant, event)
        log.info("bucket object %s removed: media %s deleted", event.key, deleted or "none")
        return None
    filename = fields.pop("filename", None) or event.key.rsplit("/", 1)[-1]
    metadata = {**fields, "client": tenant, "s3_key": event.key}
    return object_created(rt, tenant, event, filename, metadata)


def _tenant_and_fields(rt: Runtime, event: BucketEvent) -> tuple[str, dict[str, str]] | None:
    """The tenant and the other placeholder values of the event's key, or None (logged) when the
    key does not fit the pattern or names no valid tenant."""
    fields = match_key(rt.settings.s3_event_key_pattern, event.key)
    if fields is None or not fields.get("tenant"):
        log.warning("bucket event for %s does not match the key pattern; ignored", event.key)
        return None
    tenant = fields.pop("tenant")
    try:
        check_tenant_id(tenant)
    except InvalidRequest:
        # No API key or request could ever address such a tenant: skip it, loudly.
        log.warning("bucket event for %s names tenant %r, not a valid tenant id; ignored", event.key, tenant)
        return None
    return tenant, fields
