"""A user's data, removed at once: ``DELETE /v1/users/{id}/data`` (``catalog/users.py`` says what)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mediasift.catalog import users
from mediasift.services.auth import check_user_id, forget_keys

if TYPE_CHECKING:
    from mediasift.runtime import Runtime


def delete_user_data(rt: Runtime, tenant_id: str, user_id: str) -> dict[str, int]:
    """Delete every trace of ``user_id`` in ``tenant_id``; returns the rows removed per table.
    Search results are cached per tenant, before any user's order; the user's keys, revoked here,
    are forgotten by this process's key cache at once."""
    check_user_id(user_id)
    with rt.catalog.session() as s:
        removed = users.delete_user_data(s, tenant_id, user_id)
    forget_keys(rt.catalog)
    return removed
