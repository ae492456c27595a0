"""/v1/saved-searches: a user's saved queries, and the alerts new media matching them raised."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from mediasift.api.answers import FiltersIn
from mediasift.api.deps import RuntimeDep, TenantDep, UserDep
from mediasift.api.schemas import error_responses
from mediasift.domain import Filters
from mediasift.errors import InvalidRequest
from mediasift.services import saved_searches as saved
from mediasift.services.saved_searches import MAX_QUERY_CHARS

router = APIRouter(prefix="/v1/saved-searches", tags=["personalization"])
ERRORS = error_responses(400, 401, 403, 404, 422)


class SavedSearchIn(BaseModel):
    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS, description="What to look for")
    filters: FiltersIn | None = Field(None, description="As /v1/ask's filters")
    name: str | None = Field(None, max_length=200, description="A label (default: the query)")


class SavedSearchPatch(BaseModel):
    query: str | None = Field(None, min_length=1, max_length=MAX_QUERY_CHARS)
    filters: FiltersIn | None = None
    name: str | None = Field(None, max_length=200)


class SavedSearchOut(BaseModel):
    id: str
    name: str
    query: str
    filters: dict[str, Any] = Field(description="The filters as saved (only those given)")
    created_at: datetime
    unseen: int = Field(description="Alerts the user has not seen yet: the web UI's badge")


class SavedSearchListOut(BaseModel):
    saved_searches: list[SavedSearchOut]
    unseen: int = Field(description="Unseen alerts over all the user's saved searches")


class AlertOut(BaseModel):
    id: str
    saved_search_id: str
    media_id: str
    filename: str
    created_at: datetime
    seen: bool


class AlertListOut(BaseModel):
    alerts: list[AlertOut]


class SeenOut(BaseModel):
    marked: int = Field(description="Alerts marked seen")


def _filters(body: FiltersIn | None) -> Filters | None:
    if body is None:
        return None
    values = body.model_dump()
    return Filters(**values) if any(values.values()) else None


def _out(s: saved.Saved) -> SavedSearchOut:
    return SavedSearchOut(
        id=s.id, name=s.name, query=s.query, filters=s.filters, created_at=s.created_at, unseen=s.unseen
    )


def _alerts(items: list[saved.Alert]) -> AlertListOut:
    return AlertListOut(
        alerts=[
            AlertOut(
                id=a.id,
                saved_search_id=a.saved_search_id,
                media_id=a.media_id,
                filename=a.filename,
                created_at=a.created_at,
                seen=a.seen,
            )
            for a in items
        ]
    )


@router.post("", status_code=201, response_model=SavedSearchOut, responses=ERRORS, summary="Save a search")
def create_saved_search(
    rt: RuntimeDep, tenant: TenantDep, user: UserDep, body: SavedSearchIn
) -> SavedSearchOut:
    return _out(saved.create(rt, tenant, user, body.query, _filters(body.filters), body.name))


@router.get("", response_model=SavedSearchListOut, responses=ERRORS, summary="The user's saved searches")
def list_saved_searches(rt: RuntimeDep, tenant: TenantDep, user: UserDep) -> SavedSearchListOut:
    items = saved.list_saved(rt, tenant, user)
    return SavedSearchListOut(saved_searches=[_out(s) for s in items], unseen=sum(s.unseen for s in items))


@router.get(
    "/alerts", response_model=AlertListOut, responses=ERRORS, summary="The user's alerts, newest first"
)
def list_alerts(rt: RuntimeDep, tenant: TenantDep, user: UserDep) -> AlertListOut:
    return _alerts(saved.alerts(rt, tenant, user))


@router.post(
    "/alerts/seen", response_model=SeenOut, responses=ERRORS, summary="Mark all the user's alerts seen"
)
def mark_all_seen(rt: RuntimeDep, tenant: TenantDep, user: UserDep) -> SeenOut:
    return SeenOut(marked=saved.mark_seen(rt, tenant, user))


@router.get("/{saved_id}", response_model=SavedSearchOut, responses=ERRORS, summary="One saved search")
def get_saved_search(rt: RuntimeDep, tenant: TenantDep, user: UserDep, saved_id: str) -> SavedSearchOut:
    return _out(saved.get(rt, tenant, user, saved_id))


@router.patch("/{saved_id}", response_model=SavedSearchOut, responses=ERRORS, summary="Change a saved search")
def update_saved_search(
    rt: RuntimeDep, tenant: TenantDep, user: UserDep, saved_id: str, body: SavedSearchPatch
) -> SavedSearchOut:
    for field in ("name", "query"):  # null had answered 200 and changed nothing
        if field in body.model_fields_set and getattr(body, field) is None:
            raise InvalidRequest(f"{field} cannot be null: leave it out to keep it")
    return _out(
        saved.update(
            rt, tenant, user, saved_id, query=body.query, filters=_filters(body.filters), name=body.name
        )
    )


@router.delete("/{saved_id}", status_code=204, responses=ERRORS, summary="Delete a saved search")
def delete_saved_search(rt: RuntimeDep, tenant: TenantDep, user: UserDep, saved_id: str) -> Response:
    saved.delete(rt, tenant, user, saved_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/{saved_id}/alerts", response_model=AlertListOut, responses=ERRORS, summary="Alerts of one saved search"
)
def saved_search_alerts(rt: RuntimeDep, tenant: TenantDep, user: UserDep, saved_id: str) -> AlertListOut:
    return _alerts(saved.alerts(rt, tenant, user, saved_id))


@router.post(
    "/{saved_id}/seen",
    response_model=SeenOut,
    responses=ERRORS,
    summary="Mark one saved search's alerts seen",
)
def mark_seen(rt: RuntimeDep, tenant: TenantDep, user: UserDep, saved_id: str) -> SeenOut:
    return SeenOut(marked=saved.mark_seen(rt, tenant, user, saved_id))
