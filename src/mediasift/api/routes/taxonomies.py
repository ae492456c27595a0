"""/v1/taxonomies: a tenant's labels for classifying its media (docs/enrichment.md).

The body of ``PUT /v1/taxonomies/{name}`` is the taxonomy document, the same as a YAML or JSON file
given to ``mediasift taxonomy put``: JSON, or YAML sent as ``application/yaml`` (or ``text/yaml``).
Putting or deleting one relabels the tenant's ready media in the background: one ``relabel`` job
per media, listed in the answer.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import yaml
from fastapi import APIRouter, Path, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from mediasift.api import text_guard
from mediasift.api.deps import RuntimeDep, TenantDep
from mediasift.api.schemas import error_responses
from mediasift.enrich.taxonomy import MAX_LABELS, TaxonomyInvalid
from mediasift.errors import InvalidRequest, LimitExceeded
from mediasift.services import taxonomies
from mediasift.text_form import unstorable

if TYPE_CHECKING:
    from mediasift.catalog.models import TaxonomyRow

router = APIRouter(prefix="/v1/taxonomies", tags=["taxonomies"])
ERRORS = error_responses(400, 401, 403, 404, 422)
# ":" separates a taxonomy from its label in search filters (label=temas:barismo).
Name = Annotated[
    str,
    Path(
        pattern=r"^[^:/\s]{1,100}$",
        description="The taxonomy's name: up to 100 characters, any script, no ':', '/' or spaces",
    ),
]
EXAMPLE = {
    "labels": [
        {
            "name": "coffee",
            "description": "coffee beans, brewing, espresso",
            "examples": ["a flat white with oat milk"],
        },
        {"name": "baking", "description": "bread, dough, ovens and pastry"},
    ],
    "threshold": 0.5,
}
YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})
BODY = {
    "requestBody": {
        "required": True,
        "description": f"The taxonomy document: `labels` (1 to {MAX_LABELS}, each with a `name`, a "
        "`description` and optional `examples`, in any language) and an optional `threshold` in "
        "(0, 1), 0.5 by default; as JSON, or as YAML (`application/yaml`, the same document a "
        "`mediasift taxonomy put` file holds). A malformed document is refused with 422, naming "
        "every problem.",
        "content": {
            "application/json": {"schema": {"type": "object"}, "example": EXAMPLE},
            "application/yaml": {"schema": {"type": "string"}},
        },
    }
}


class LabelOut(BaseModel):
    name: str = Field(description="The label as media are labelled with it")
    description: str = Field(description="What the label means; the classifier reads it")
    examples: list[str] = Field(default_factory=list, description="Example phrases of the label")


class TaxonomyOut(BaseModel):
    name: str = Field(description="The taxonomy's name (a label filter is `name:label`)")
    labels: list[LabelOut] = Field(description="Its labels, as stored (whitespace normalised)")
    threshold: float = Field(description="A label applies to a media or segment at this score or above")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: TaxonomyRow) -> TaxonomyOut:
        return cls(
            name=row.name,
            labels=row.document["labels"],
            threshold=row.document["threshold"],
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


class TaxonomyListOut(BaseModel):
    taxonomies: list[TaxonomyOut]


class TaxonomyChangedOut(BaseModel):
    name: str
    labels: list[LabelOut] = Field(description="Its labels, as stored (whitespace normalised)")
    threshold: float
    created: bool = Field(description="True when the taxonomy is new (201), false when replaced (200)")
    relabel_jobs: list[str] = Field(
        description="Ids of the relabel jobs queued, one per ready media (GET /v1/jobs/{id})"
    )


class RelabelOut(BaseModel):
    relabel_jobs: list[str] = Field(description="Ids of the relabel jobs queued, one per ready media")


@router.put(
    "/{name}",
    response_model=TaxonomyChangedOut,
    responses={**ERRORS, 201: {"model": TaxonomyChangedOut, "description": "Created"}},
    summary="Create or replace a taxonomy; the tenant's media are relabelled in the background",
    openapi_extra=BODY,
)
async def put(request: Request, rt: RuntimeDep, tenant: TenantDep, name: Name) -> JSONResponse:
    raw = await _body(request, rt.settings.max_body_bytes)
    document = _document(raw, request.headers.get("content-type", ""))
    if unstorable(document):  # read here, not by FastAPI: the API's text guard never sees it
        raise InvalidRequest(text_guard.MESSAGE)
    changed = await run_in_threadpool(taxonomies.put_taxonomy, rt, tenant, name, document)
    body = TaxonomyChangedOut(
        name=changed.name,
        labels=changed.document["labels"],
        threshold=changed.document["threshold"],
        created=changed.created,
        relabel_jobs=changed.relabel_jobs,
    )
    code = status.HTTP_201_CREATED if changed.created else status.HTTP_200_OK
    return JSONResponse(body.model_dump(mode="json"), status_code=code)


async def _body(request: Request, limit: int) -> bytes:
    """The request's body, refused past ``limit`` bytes as it arrives (``MEDIASIFT_MAX_BODY_BYTES``,
    as the bodies FastAPI reads whole are)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise LimitExceeded(f"request body over the limit of {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise LimitExceeded(f"request body over the limit of {limit} bytes")
    return bytes(body)


def _document(body: bytes, content_type: str) -> Any:
    """The document a body holds: YAML when its type says so, else JSON."""
    if content_type.split(";")[0].strip().lower() in YAML_TYPES:
        try:
            return yaml.safe_load(body)
        except yaml.YAMLError as exc:
            raise TaxonomyInvalid([f"not valid YAML: {exc}"]) from None
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise TaxonomyInvalid([f"not valid JSON ({exc}); send YAML as application/yaml"]) from None


@router.get("", response_model=TaxonomyListOut, responses=ERRORS, summary="This tenant's taxonomies")
def list_all(rt: RuntimeDep, tenant: TenantDep) -> TaxonomyListOut:
    return TaxonomyListOut(taxonomies=[TaxonomyOut.of(t) for t in taxonomies.list_taxonomies(rt, tenant)])


@router.get("/{name}", response_model=TaxonomyOut, responses=ERRORS, summary="A taxonomy")
def get(rt: RuntimeDep, tenant: TenantDep, name: Name) -> TaxonomyOut:
    return TaxonomyOut.of(taxonomies.get_taxonomy(rt, tenant, name))


@router.delete(
    "/{name}",
    response_model=RelabelOut,
    responses=ERRORS,
    summary="Delete a taxonomy; its labels leave the tenant's media in the background",
)
def delete(rt: RuntimeDep, tenant: TenantDep, name: Name) -> RelabelOut:
    return RelabelOut(relabel_jobs=taxonomies.delete_taxonomy(rt, tenant, name))
