"""/v1/webhooks: a tenant's subscriptions to job events, and their recorded deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from mediasift.api.deps import RuntimeDep, TenantDep
from mediasift.api.schemas import error_responses
from mediasift.services import webhooks

if TYPE_CHECKING:
    from mediasift.catalog.models import Webhook, WebhookDelivery

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])
ERRORS = error_responses(400, 401, 403, 404, 422)


class WebhookIn(BaseModel):
    url: str = Field(max_length=2000, description="http(s) URL; private and loopback hosts are refused")
    events: list[webhooks.Event] = Field(min_length=1)
    name: str | None = Field(
        default=None,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$",
        description="What a workflow's notify step calls it (unique in the tenant)",
    )


class WebhookOut(BaseModel):
    id: str
    name: str | None = Field(default=None, description="Its name, for workflows' notify steps")
    url: str
    events: list[str]
    active: bool
    created_at: datetime

    @classmethod
    def of(cls, hook: Webhook) -> WebhookOut:
        return cls(
            id=hook.id,
            name=hook.name,
            url=hook.url,
            events=hook.events,
            active=hook.active,
            created_at=hook.created_at,
        )


class CreatedWebhookOut(WebhookOut):
    secret: str = Field(description="HMAC-SHA256 key for X-Mediasift-Signature: shown this once")


class WebhookListOut(BaseModel):
    webhooks: list[WebhookOut]


class DeliveryOut(BaseModel):
    id: str
    event: str
    status: str = Field(description="pending | delivered | failed (out of attempts)")
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    payload: dict[str, Any]

    @classmethod
    def of(cls, d: WebhookDelivery) -> DeliveryOut:
        return cls(
            id=d.id,
            event=d.event,
            status=d.status,
            attempts=d.attempts,
            last_status_code=d.last_status_code,
            last_error=d.last_error,
            created_at=d.created_at,
            delivered_at=d.delivered_at,
            payload=d.payload,
        )


class DeliveryListOut(BaseModel):
    deliveries: list[DeliveryOut]


@router.post("", status_code=201, response_model=CreatedWebhookOut, responses=ERRORS, summary="Subscribe")
def create(rt: RuntimeDep, tenant: TenantDep, body: WebhookIn) -> CreatedWebhookOut:
    hook = webhooks.create_webhook(rt, tenant, body.url, list(body.events), body.name)
    return CreatedWebhookOut(**WebhookOut.of(hook).model_dump(), secret=hook.secret)


@router.get("", response_model=WebhookListOut, summary="This tenant's webhooks")
def list_all(rt: RuntimeDep, tenant: TenantDep) -> WebhookListOut:
    return WebhookListOut(webhooks=[WebhookOut.of(h) for h in webhooks.list_webhooks(rt, tenant)])


@router.get(
    "/{webhook_id}/deliveries", response_model=DeliveryListOut, responses=ERRORS, summary="Deliveries"
)
def deliveries(
    rt: RuntimeDep, tenant: TenantDep, webhook_id: str, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> DeliveryListOut:
    rows = webhooks.list_deliveries(rt, tenant, webhook_id, limit)
    return DeliveryListOut(deliveries=[DeliveryOut.of(d) for d in rows])


@router.delete("/{webhook_id}", status_code=204, responses=ERRORS, summary="Unsubscribe")
def delete(rt: RuntimeDep, tenant: TenantDep, webhook_id: str) -> Response:
    webhooks.delete_webhook(rt, tenant, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
