"""FastAPI dependencies as ``Annotated`` aliases: the runtime, the caller, its tenant and scopes.

Who may do what is decided here, in one place:

- ``PrincipalDep`` authenticates: ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``. Until the
  first key is created the API is in *open mode* (one default tenant; ``mediasift serve``
  allows that on loopback only) and ``X-Mediasift-Tenant`` may name another tenant. With keys, the
  key's tenant wins; naming another tenant is refused unless the key has ``admin``.
  Every authenticated request spends a token of its key's rate-limit bucket, except those of the
  CLI's in-process API (``in_process``): it is not a client of some server but the server itself,
  and throttling it only made ``mediasift ingest --wait`` fail on an ordinary folder.
- ``UserDep`` is the user of the tenant a personal route acts for: the key's user, else the one
  ``X-Mediasift-User`` names (open mode, or a key without a user); routes that keep personal data
  refuse a request that names none. ``OptionalUserDep`` is None then (search without a user).
- ``TenantDep`` is the tenant every route acts for, and checks the route's scope: a router
  included with ``dependencies=[Depends(require_scope(...))]`` (see ``app.py``) states its scope;
  otherwise GET/HEAD need ``read`` and every other method ``write`` — safe by default for a router
  added without thought.

Every dependency here is ``async`` and answers on the event loop (a sync one cost each request a
thread hop): the key is checked against what this process remembers (``auth.authenticate_known``),
and only a catalog read — once per key per ``api_key_cache_s`` — goes to a thread.
``api/cached_search.py`` applies the same ``principal_of`` and ``admit`` to the searches it answers.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from mediasift.api.rate_limit import RateLimiter
from mediasift.errors import Forbidden, InvalidRequest, Unauthorized
from mediasift.ops.logs import bind_request_context
from mediasift.runtime import Runtime
from mediasift.services import auth

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer msk_...`")
_api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="An API key (alternative)")
_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
IN_PROCESS = "mediasift_in_process"  # a key of the ASGI scope's state: no HTTP request can set it


def in_process(app: Any) -> Any:
    """``app`` as the CLI drives it in its own process (``client.LocalClient``): not rate-limited."""

    async def app_in_process(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope["state"] = {**(scope.get("state") or {}), IN_PROCESS: True}
        await app(scope, receive, send)

    return app_in_process


async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


async def get_principal(
    request: Request,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)] = None,
    api_key: Annotated[str | None, Depends(_api_key_header)] = None,
    x_mediasift_tenant: Annotated[
        str | None,
        Header(description="Tenant to act as: open mode, or a key with the admin scope", max_length=64),
    ] = None,
    x_mediasift_user: Annotated[
        str | None,
        Header(
            description="User of the tenant to act as (personalization): open mode, or a key without a "
            "user of its own",
            pattern=auth.USER_ID_PATTERN,
        ),
    ] = None,
) -> auth.Principal:
    rt: Runtime = request.app.state.runtime
    secret = bearer.credentials if bearer else api_key
    # On the event loop when this process remembers the key (or that there are none); a catalog
    # read, once per key per api_key_cache_s, goes to a thread so it never blocks other requests.
    principal = principal_of(rt, secret, x_mediasift_tenant, x_mediasift_user, remembered_only=True)
    if principal is None:
        principal = await run_in_threadpool(principal_of, rt, secret, x_mediasift_tenant, x_mediasift_user)
    assert principal is not None  # only remembered_only answers None
    admit(request.app.state, request.scope, principal)
    return principal


def principal_of(
    rt: Runtime, secret: str | None, tenant: str | None, user: str | None, *, remembered_only: bool = False
) -> auth.Principal | None:
    """Who a request with these credentials and headers acts as, or an error; with
    ``remembered_only``, None where only the catalog can tell (nothing is read from it then)."""
    if secret:
        principal = (
            auth.authenticate_known(rt.catalog, rt.settings, secret)
            if remembered_only
            else auth.authenticate(rt.catalog, rt.settings, secret)
        )
        if principal is None:
            return None
        if tenant and tenant != principal.tenant_id:
            if "admin" not in principal.scopes:
                raise Forbidden("this key belongs to one tenant; X-Mediasift-Tenant needs an admin key")
            principal = auth.Principal(auth.check_tenant_id(tenant), principal.scopes, principal.key_id)
    else:
        exist = (
            auth.keys_exist_known(rt.catalog)
            if remembered_only
            else auth.keys_exist(rt.catalog, rt.settings.api_key_cache_s)
        )
        if exist is None:
            return None
        if exist:
            raise Unauthorized("an API key is required: Authorization: Bearer <key> or X-API-Key")
        principal = auth.open_principal(tenant or rt.settings.default_tenant)
    return auth.as_user(principal, user)


def admit(app_state: Any, scope: MutableMapping[str, Any], principal: auth.Principal) -> None:
    """Spend a token of the principal's rate-limit bucket (``RateLimited`` past it) unless the
    request is the CLI's own; then record who is calling for the access log and log lines."""
    state = scope.setdefault("state", {})
    # Bound first: a request refused for its rate is logged with who made it (a 429 line had
    # named no key, so the logs could not say which client was throttled).
    bind_request_context(tenant=principal.tenant_id, key_id=principal.key_id)
    if not state.get(IN_PROCESS, False):
        limiter: RateLimiter = app_state.rate_limiter
        client = scope["client"][0] if scope.get("client") else "unknown"
        limiter.take(principal.key_id or f"open:{client}")
    state["principal"] = principal


PrincipalDep = Annotated[auth.Principal, Depends(get_principal)]


def require_scope(scope: str):  # type: ignore[no-untyped-def]
    """A dependency that requires ``scope`` (routers state their scope with it in ``app.py``)."""
    if scope not in auth.SCOPES:
        raise ValueError(f"unknown scope {scope!r}")

    async def check(request: Request, principal: PrincipalDep) -> auth.Principal:
        if not principal.has(scope):
            raise Forbidden(f"this key lacks the {scope!r} scope")
        request.state.scope_checked = True
        return principal

    check.__name__ = f"require_{scope}"
    return check


async def _checked(request: Request, principal: PrincipalDep) -> auth.Principal:
    if not getattr(request.state, "scope_checked", False):
        needed = "read" if request.method in _READ_METHODS else "write"
        if not principal.has(needed):
            raise Forbidden(f"this key lacks the {needed!r} scope")
    return principal


async def get_tenant(principal: Annotated[auth.Principal, Depends(_checked)]) -> str:
    return principal.tenant_id


async def get_optional_user(principal: Annotated[auth.Principal, Depends(_checked)]) -> str | None:
    return principal.user_id


async def get_user(user: Annotated[str | None, Depends(get_optional_user)]) -> str:
    if user is None:
        raise InvalidRequest(
            "this needs a user: a key that belongs to one (mediasift keys create --user), or "
            "X-Mediasift-User naming one"
        )
    return user


async def get_public_url(request: Request) -> str | None:
    """The address a page the server writes (a report) links the web UI at: ``MEDIASIFT_PUBLIC_URL``,
    else the address this request came to; None for the CLI's in-process API (no server to link)."""
    configured = request.app.state.runtime.settings.public_url
    if configured:
        return str(configured).rstrip("/")
    if getattr(request.state, IN_PROCESS, False):
        return None
    return str(request.base_url).rstrip("/")


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
PublicUrlDep = Annotated[str | None, Depends(get_public_url)]
TenantDep = Annotated[str, Depends(get_tenant)]
UserDep = Annotated[str, Depends(get_user)]
OptionalUserDep = Annotated[str | None, Depends(get_optional_user)]
ReadScope = Depends(require_scope("read"))
WriteScope = Depends(require_scope("write"))
AdminScope = Depends(require_scope("admin"))
AdminDep = Annotated[auth.Principal, AdminScope]
