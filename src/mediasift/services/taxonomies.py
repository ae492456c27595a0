"""A tenant's taxonomies: validated when put, and every change relabels the tenant's ready media
in the background (a relabel job per media: ``jobs.lifecycle.relabel``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mediasift.catalog import repo, taxonomies
from mediasift.enrich.taxonomy import parse_taxonomy
from mediasift.jobs import lifecycle

if TYPE_CHECKING:
    from mediasift.catalog.models import TaxonomyRow
    from mediasift.runtime import Runtime


@dataclass(frozen=True)
class Changed:
    name: str
    document: dict[str, Any]
    created: bool
    relabel_jobs: list[str]


def put_taxonomy(rt: Runtime, tenant_id: str, name: str, document: Any) -> Changed:
    """Create or replace a taxonomy (``TaxonomyInvalid`` names every problem of the document) and
    queue the relabelling of the tenant's media. The normalised document is what is stored."""
    normalised = parse_taxonomy(document).to_dict()
    with rt.catalog.session() as s:
        repo.ensure_tenant(s, tenant_id)
        _, created = taxonomies.put_taxonomy(s, tenant_id, name, normalised)
    return Changed(name, normalised, created, lifecycle.relabel(rt, tenant_id))


def delete_taxonomy(rt: Runtime, tenant_id: str, name: str) -> list[str]:
    """Remove a taxonomy (404 if there is none) and queue the relabelling of the tenant's media."""
    with rt.catalog.session() as s:
        taxonomies.delete_taxonomy(s, tenant_id, name)
    return lifecycle.relabel(rt, tenant_id)


def list_taxonomies(rt: Runtime, tenant_id: str) -> list[TaxonomyRow]:
    with rt.catalog.read_session() as s:
        return taxonomies.list_taxonomies(s, tenant_id)


def get_taxonomy(rt: Runtime, tenant_id: str, name: str) -> TaxonomyRow:
    with rt.catalog.read_session() as s:
        return taxonomies.get_taxonomy(s, tenant_id, name)
