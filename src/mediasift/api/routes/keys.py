"""/v1/keys: create (the secret is returned once), list and revoke API keys. Admin scope."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field

from mediasift.api.deps import AdminDep, AdminScope, RuntimeDep
from mediasift.api.schemas import error_responses
from mediasift.services import auth

if TYPE_CHECKING:
    from mediasift.catalog.models import ApiKey

router = APIRouter(prefix="/v1/keys", tags=["keys"], dependencies=[AdminScope])
ERRORS = error_responses(400, 401, 403, 404, 422)


class KeyIn(BaseModel):
    tenant: str | None = Field(None, description="Tenant the key acts for (default: the caller's)")
    scopes: list[str] = Field(min_length=1, description="read, write, admin")
    name: str | None = Field(None, max_length=200, description="A label, e.g. 'ci' or 'ingest-bot'")
    user: str | None = Field(
        None,
        pattern=auth.USER_ID_PATTERN,
        description="The user of the tenant the key belongs to (personalization); none: the key acts "
        "for the tenant and may name a user with X-Mediasift-User",
    )


class KeyOut(BaseModel):
    id: str
    tenant: str
    scopes: list[str]
    name: str | None
    created_at: datetime
    revoked_at: datetime | None = None
    user: str | None = Field(None, description="The user the key belongs to, if one")

    @classmethod
    def of(cls, row: ApiKey) -> KeyOut:
        return cls(
            id=row.id,
            tenant=row.tenant_id,
            scopes=row.scopes.split(","),
            name=row.name,
            created_at=row.created_at,
            revoked_at=row.revoked_at,
            user=row.user_id,
        )


class CreatedKeyOut(KeyOut):
    key: str = Field(description="The secret: shown this once; only its hash is stored")


class KeyListOut(BaseModel):
    keys: list[KeyOut]


@router.post("", status_code=201, response_model=CreatedKeyOut, responses=ERRORS, summary="Create an API key")
def create_key(rt: RuntimeDep, caller: AdminDep, body: KeyIn) -> CreatedKeyOut:
    created = auth.create_key(
        rt.catalog,
        rt.settings,
        caller.tenant_id if body.tenant is None else auth.check_tenant_id(body.tenant),  # "": a 400
        body.scopes,
        body.name,
        body.user,
    )
    return CreatedKeyOut(
        id=created.id,
        tenant=created.tenant_id,
        scopes=created.scopes,
        name=created.name,
        created_at=created.created_at,
        user=created.user_id,
        key=created.secret,
    )


@router.get("", response_model=KeyListOut, responses=ERRORS, summary="List API keys (never their secrets)")
def list_keys(rt: RuntimeDep, tenant: str | None = None) -> KeyListOut:
    return KeyListOut(keys=[KeyOut.of(k) for k in auth.list_keys(rt.catalog, tenant)])


@router.delete("/{key_id}", status_code=204, responses=ERRORS, summary="Revoke an API key")
def revoke_key(rt: RuntimeDep, key_id: str) -> Response:
    auth.revoke_key(rt.catalog, key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
