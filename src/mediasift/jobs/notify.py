"""Job events go out: a delivery queued in the catalog for every webhook of the tenant subscribed to
the event (``services/webhooks.py`` sends them, signed, with retries), and the event on SNS when a
topic is configured. Below the services, so the job lifecycle that emits events imports no service.
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

from ulid import ULID

from mediasift.catalog import webhooks as repo
from mediasift.domain import utc_text

if TYPE_CHECKING:
    from mediasift.config import Settings
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.webhooks")


def publish(rt: Runtime, tenant_id: str, event: str, data: dict[str, Any]) -> int:
    """Record a delivery for every subscribed webhook of the tenant (and publish to SNS); returns
    how many deliveries were queued. Never raises: notifications must not fail a job."""
    try:
        queued = _queue_deliveries(rt, tenant_id, event, data)
    except Exception:
        log.exception("could not queue %s webhooks for tenant %s", event, tenant_id)
        queued = 0
    if topic_arn := rt.settings.sns_topic_arn:
        _publish_sns(rt.settings, topic_arn, tenant_id, event, data)
    return queued


def _queue_deliveries(rt: Runtime, tenant_id: str, event: str, data: dict[str, Any]) -> int:
    now = time.time()
    with rt.catalog.session() as s:
        hooks = repo.subscribed_webhooks(s, tenant_id, event)
        for hook in hooks:
            delivery_id = str(ULID())
            payload = {
                "id": delivery_id,
                "event": event,
                "created_at": utc_text(),
                "data": data,
            }
            repo.add_delivery(s, delivery_id, hook, event, payload, due_at=now)
    return len(hooks)


def _publish_sns(
    settings: Settings, topic_arn: str, tenant_id: str, event: str, data: dict[str, Any]
) -> None:
    try:
        import boto3

        client = boto3.client("sns", region_name=settings.s3_region, endpoint_url=settings.sns_endpoint_url)
        client.publish(
            TopicArn=topic_arn,
            Message=json.dumps({"event": event, "tenant": tenant_id, "data": data}),
            MessageAttributes={
                "event": {"DataType": "String", "StringValue": event},
                "tenant": {"DataType": "String", "StringValue": tenant_id},
            },
        )
    except Exception:
        log.exception("could not publish %s to SNS", event)


def deliver(rt: Runtime, tenant_id: str, webhook_id: str, event: str, data: dict[str, Any]) -> str:
    """Queue one delivery of ``event`` to one webhook of the tenant, whatever events it subscribed
    to (a workflow's notify step names it); returns the delivery's id. Raises ``NotFound`` when the
    webhook is gone."""
    delivery_id = str(ULID())
    with rt.catalog.session() as s:
        hook = repo.get_webhook(s, tenant_id, webhook_id)
        at = utc_text()
        payload = {"id": delivery_id, "event": event, "created_at": at, "data": data}
        repo.add_delivery(s, delivery_id, hook, event, payload, due_at=time.time())
    return delivery_id
