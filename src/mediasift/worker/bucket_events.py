"""Ingest objects that appear in a bucket: S3 ``ObjectCreated`` notifications delivered by SQS.

A key is mapped to a tenant and metadata by ``settings.s3_event_key_pattern`` (default
``clients/{tenant}/products/{sku}/media/{media_type}/{filename}``); the object is streamed into
the store through the same ``ingest_stream`` as an upload, so the same bytes in the same tenant
are deduplicated — which also makes a redelivered event harmless.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from mediasift.errors import InvalidRequest
from mediasift.queue.s3_events import EventDelivery, match_key
from mediasift.services import direct_uploads
from mediasift.services.auth import check_tenant_id
from mediasift.services.ingest import Ingested, ingest_stream

if TYPE_CHECKING:
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.bucket_events")


def ingest_delivery(rt: Runtime, delivery: EventDelivery) -> list[Ingested]:
    """Create media + jobs for every matching object of one delivery; the caller acks it."""
    results = []
    for event in delivery.events:
        if direct_uploads.is_upload_key(event.key):
            # The bytes of a direct upload (POST /v1/uploads): its record says tenant and metadata.
            uploaded = direct_uploads.ingest_uploaded(rt, event.bucket, event.key, event.size or None)
            if uploaded is not None:
                results.append(uploaded)
            continue
        fields = match_key(rt.settings.s3_event_key_pattern, event.key)
        if fields is None or not fields.get("tenant"):
            log.warning("bucket event for %s does not match the key pattern; ignored", event.key)
            continue
        tenant = fields.pop("tenant")
        try:
            check_tenant_id(tenant)
        except InvalidRequest:
            # No API key or request could ever address such a tenant: skip it, loudly.
            log.warning(
                "bucket event for %s names tenant %r, not a valid tenant id; ignored", event.key, tenant
            )
            continue
        filename = fields.pop("filename", None) or event.key.rsplit("/", 1)[-1]
        # The event's key is the bucket's own name for the object, read as-is: the store's key
        # rules guard mediasift's layout, and S3 allows keys they refuse (a backslash, say). The
        # key never becomes a path here; only the sanitised filename and the ULID key do.
        with rt.bucket_reader.open(event.bucket, event.key) as stream:
            results.append(
                ingest_stream(
                    rt,
                    tenant,
                    stream,
                    filename,
                    metadata={**fields, "s3_key": event.key},
                    source_uri=f"s3://{event.bucket}/{event.key}",
                )
            )
    return results
