"""Everything the catalog holds about one user of a tenant, removed at once (``DELETE
/v1/users/{id}/data``)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from ulid import ULID

from mediasift.catalog.chats import delete_chats, user_chat_ids
from mediasift.catalog.models import (
    ApiKey,
    Feedback,
    SavedSearch,
    SavedSearchAlert,
    SearchHistory,
    UserProfile,
    WebhookDelivery,
    utcnow,
)

USER_EVENTS = ("saved_search.matched",)  # webhook events whose payload names a user


def delete_user_data(s: Session, tenant_id: str, user_id: str) -> dict[str, int]:
    """Delete the user's chats (their messages with them), feedback, profile, search history,
    saved searches and their alerts, and the webhook deliveries that name them; revoke their keys
    and unlink them from the user (a key is never deleted: revoking is the audit trail). Returns
    rows touched per table."""
    removed: dict[str, int] = {"chat": delete_chats(s, tenant_id, user_chat_ids(s, tenant_id, user_id))}
    for model in (Feedback, SearchHistory, SavedSearchAlert, SavedSearch, UserProfile):
        result = s.execute(delete(model).where(model.tenant_id == tenant_id, model.user_id == user_id))
        removed[model.__tablename__] = result.rowcount or 0  # type: ignore[attr-defined]
    deliveries = s.scalars(
        select(WebhookDelivery).where(
            WebhookDelivery.tenant_id == tenant_id, WebhookDelivery.event.in_(USER_EVENTS)
        )
    )
    removed["webhook_delivery"] = 0
    for delivery in deliveries:
        if (delivery.payload.get("data") or {}).get("user") == user_id:
            s.delete(delivery)
            removed["webhook_delivery"] += 1
    keys = s.scalars(select(ApiKey).where(ApiKey.tenant_id == tenant_id, ApiKey.user_id == user_id))
    removed["api_key"] = 0
    for key in keys:
        # A revoked key under a marker of its own: never the id, and never a key of no user
        # (that one would act for the whole tenant).
        key.user_id, key.revoked_at = f"deleted-{ULID()}", key.revoked_at or utcnow()
        removed["api_key"] += 1
    return removed
