"""Webhook subscriptions and their deliveries: the queries ``services/webhooks.py`` runs.

A delivery is an outbox row: recorded in the same catalog as the job that caused it, claimed by
one dispatcher at a time (a lease), and updated after every attempt.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from mediasift.catalog.models import Webhook, WebhookDelivery, utcnow
from mediasift.errors import NotFound


def count_webhooks(s: Session, tenant_id: str) -> int:
    return s.scalar(select(func.count()).select_from(Webhook).where(Webhook.tenant_id == tenant_id)) or 0


def add_webhook(
    s: Session, webhook_id: str, tenant_id: str, url: str, events: list[str], secret: str
) -> Webhook:
    hook = Webhook(
        id=webhook_id,
        tenant_id=tenant_id,
        url=url,
        events=events,
        secret=secret,
        active=True,
        created_at=utcnow(),
    )
    s.add(hook)
    return hook


def list_webhooks(s: Session, tenant_id: str) -> list[Webhook]:
    """A tenant's webhooks, newest first."""
    return list(s.scalars(select(Webhook).where(Webhook.tenant_id == tenant_id).order_by(Webhook.id.desc())))


def get_webhook(s: Session, tenant_id: str, webhook_id: str) -> Webhook:
    """A webhook of the tenant; another tenant's is reported as not found."""
    hook = s.get(Webhook, webhook_id)
    if hook is None or hook.tenant_id != tenant_id:
        raise NotFound(f"webhook {webhook_id} not found")
    return hook


def delete_webhook(s: Session, tenant_id: str, webhook_id: str) -> None:
    """Remove a webhook of the tenant and its recorded deliveries."""
    hook = get_webhook(s, tenant_id, webhook_id)
    s.execute(delete(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook_id))
    s.delete(hook)


def list_deliveries(s: Session, tenant_id: str, webhook_id: str, limit: int = 100) -> list[WebhookDelivery]:
    """A webhook's deliveries, newest first."""
    q = (
        select(WebhookDelivery)
        .where(WebhookDelivery.tenant_id == tenant_id, WebhookDelivery.webhook_id == webhook_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    )
    return list(s.scalars(q))


def subscribed_webhooks(s: Session, tenant_id: str, event: str) -> list[Webhook]:
    """The tenant's active webhooks that asked for ``event``."""
    hooks = s.scalars(select(Webhook).where(Webhook.tenant_id == tenant_id, Webhook.active.is_(True)))
    # events is a JSON list: filtered here, the same on SQLite and PostgreSQL
    return [hook for hook in hooks if event in (hook.events or [])]


def add_delivery(
    s: Session, delivery_id: str, hook: Webhook, event: str, payload: dict[str, Any], due_at: float
) -> None:
    """Record a pending delivery of ``payload`` to ``hook``, due at ``due_at`` (epoch seconds)."""
    s.add(
        WebhookDelivery(
            id=delivery_id,
            webhook_id=hook.id,
            tenant_id=hook.tenant_id,
            event=event,
            payload=payload,
            status="pending",
            attempts=0,
            next_attempt_at=due_at,
        )
    )


def _due(now: float) -> ColumnElement[bool]:
    return and_(
        WebhookDelivery.status == "pending",
        WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.lease_until.is_(None), WebhookDelivery.lease_until < now),
    )


def any_due(s: Session, now: float) -> bool:
    """Whether some pending delivery is due at ``now`` and not leased: a read, which a read session
    can run without the write lock ``claim_due`` needs."""
    return s.scalar(select(WebhookDelivery.id).where(_due(now)).limit(1)) is not None


def claim_due(s: Session, now: float, lease_until: float, limit: int) -> list[str]:
    """Lease up to ``limit`` pending deliveries due at ``now`` (epoch seconds) until ``lease_until``;
    the ids this caller won. Compare-and-set, so two dispatchers never both send one delivery."""
    due = _due(now)
    claimed = []
    for delivery_id in s.scalars(select(WebhookDelivery.id).where(due).limit(limit)).all():
        won = s.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id, due)
            .values(lease_until=lease_until)
        )
        if won.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(delivery_id)
    return claimed


def delivery_with_webhook(s: Session, delivery_id: str) -> tuple[WebhookDelivery, Webhook] | None:
    """A delivery and the webhook it goes to; None when either is gone."""
    delivery = s.get(WebhookDelivery, delivery_id)
    hook = s.get(Webhook, delivery.webhook_id) if delivery else None
    if delivery is None or hook is None:
        return None
    return delivery, hook


def record_attempt(
    s: Session,
    delivery_id: str,
    status_code: int | None,
    error: str | None,
    retry_at: Callable[[int], float | None],
) -> str | None:
    """Count one attempt (``error`` None: delivered) and release the lease. A failed attempt is
    retried at ``retry_at(attempts)`` (epoch seconds) or, when that is None, the delivery has
    failed for good. Returns the new status; None when the delivery is gone."""
    delivery = s.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return None
    delivery.attempts += 1
    delivery.last_status_code, delivery.last_error, delivery.lease_until = status_code, error, None
    if error is None:
        delivery.status, delivery.delivered_at = "delivered", utcnow()
    elif (when := retry_at(delivery.attempts)) is None:
        delivery.status = "failed"
    else:
        delivery.next_attempt_at = when
    return delivery.status


def webhook_by_name(s: Session, tenant_id: str, name: str) -> Webhook | None:
    """The tenant's webhook called ``name`` (what a workflow's notify step names), or None."""
    return s.scalars(select(Webhook).where(Webhook.tenant_id == tenant_id, Webhook.name == name)).first()
