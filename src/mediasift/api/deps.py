"""FastAPI dependencies as ``Annotated`` aliases: the runtime and the caller's tenant."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, Request

from mediasift.errors import InvalidRequest
from mediasift.runtime import Runtime

_TENANT = re.compile(r"[A-Za-z0-9_\-]{1,64}")


def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


def get_tenant(
    request: Request,
    x_mediasift_tenant: Annotated[
        str | None, Header(description="Tenant to act as (open embedded mode only; keys fix their tenant)")
    ] = None,
) -> str:
    tenant = x_mediasift_tenant or request.app.state.runtime.settings.default_tenant
    if not _TENANT.fullmatch(tenant):
        raise InvalidRequest("tenant ids are 1-64 letters, digits, '_' or '-'")
    return tenant


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
TenantDep = Annotated[str, Depends(get_tenant)]
