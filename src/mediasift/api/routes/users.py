"""/v1/users/me: who a request acts as; /v1/users/{id}/data: every trace of one user, removed."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from mediasift.api.deps import PrincipalDep, RuntimeDep, TenantDep
from mediasift.api.schemas import error_responses
from mediasift.errors import Forbidden
from mediasift.services import users
from mediasift.services.auth import USER_ID_PATTERN

router = APIRouter(prefix="/v1/users", tags=["personalization"])
ERRORS = error_responses(401, 403, 422)


class MeOut(BaseModel):
    tenant: str
    user: str | None = Field(description="The user the request acts as: the key's, or X-Mediasift-User")
    key_user: bool = Field(
        description="True when the user is the key's own (the web UI then shows no switcher)"
    )
    open_mode: bool


class DeletedOut(BaseModel):
    user: str
    removed: dict[str, int] = Field(
        description="Rows removed per table (feedback, search_history, saved_search_alert, saved_search, "
        "user_profile, webhook_delivery) and keys revoked (api_key)"
    )


@router.get("/me", response_model=MeOut, responses=ERRORS, summary="Who this request acts as")
def me(tenant: TenantDep, principal: PrincipalDep) -> MeOut:
    return MeOut(
        tenant=tenant, user=principal.user_id, key_user=principal.key_user, open_mode=principal.open_mode
    )


@router.delete(
    "/{user_id}/data",
    response_model=DeletedOut,
    responses=ERRORS,
    summary="Delete everything kept about one user (signals, profile, history, saved searches)",
)
def delete_user_data(
    rt: RuntimeDep,
    tenant: TenantDep,
    principal: PrincipalDep,
    user_id: Annotated[
        str,
        Path(
            pattern=USER_ID_PATTERN,
            description="The user of the caller's tenant: 1-64 letters, digits, '_', '-', '.' or '@', "
            "starting with a letter or digit",
        ),
    ],
) -> DeletedOut:
    if principal.key_user and principal.user_id != user_id and not principal.has("admin"):
        raise Forbidden("a key of one user may delete only that user's data")
    return DeletedOut(user=user_id, removed=users.delete_user_data(rt, tenant, user_id))
