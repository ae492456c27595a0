"""/v1/collections/{name}/workflow: what happens to media added to a collection (docs/workflows.md).

The body of ``PUT`` is the workflow document as YAML (``application/yaml``) or JSON
(``application/json``), the same as the file given to ``mediasift workflow put``; it is checked
against ``docs/schemas/workflow-v1.schema.json`` and the tenant's taxonomies and webhooks, and a
problem is answered 422 with every error's path and line.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from mediasift.api.deps import RuntimeDep, TenantDep
from mediasift.api.schemas import error_responses
from mediasift.domain import COLLECTION_PATTERN
from mediasift.errors import LimitExceeded
from mediasift.services import workflows
from mediasift.workflow.document import MAX_DOCUMENT_BYTES
from mediasift.workflow.plan import Plan

router = APIRouter(prefix="/v1/collections", tags=["workflows"])
ERRORS = error_responses(400, 401, 403, 404, 409, 413, 422)
Name = Annotated[
    str,
    Path(
        pattern=f"^{COLLECTION_PATTERN}$",
        description="The collection's name (as media are uploaded with: letters, digits, '_', '-', '.')",
    ),
]
EXAMPLE = """version: 1
steps:
  - transcribe: {model: whisper-base, beam_size: 5, languages: [es, en]}
  - ocr: {frames: true}
  - enrich: [entities, keywords, summary]
  - quality: {}
  - convert: [{to: mp3}]
"""
BODY = {
    "requestBody": {
        "required": True,
        "description": "The workflow document (docs/workflows.md; its JSON Schema: "
        "docs/schemas/workflow-v1.schema.json)",
        "content": {
            "application/yaml": {"schema": {"type": "string"}, "example": EXAMPLE},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}


class StepOut(BaseModel):
    key: str = Field(description="The step's key: ingest, enrich, classify.temas, convert.mp3, when.1…")
    name: str = Field(description="The kind of step")
    config: dict[str, Any] = Field(description="Its config, as the step runs it")
    config_hash: str = Field(description="What identifies its config: a change re-runs it")
    needs: list[str] = Field(description="The steps it waits for (docs/workflows.md#when-a-step-runs)")


class WorkflowOut(BaseModel):
    collection: str
    version: int = Field(description="Grows by one with every put or delete; 0: never set")
    default: bool = Field(description="True when no workflow is set: the default one applies")
    document: dict[str, Any] = Field(description="The document as JSON")
    source: str = Field(description="The document's text as it was put (YAML keeps its comments)")
    steps: list[StepOut] = Field(description="The steps each media runs, in order")
    created_at: datetime | None = Field(description="When this version was put; null for the default")

    @classmethod
    def of(cls, w: workflows.Workflow) -> WorkflowOut:
        return cls(
            collection=w.collection,
            version=w.version,
            default=w.default,
            document=w.document,
            source=w.source,
            steps=_steps(w.plan),
            created_at=w.created_at,
        )


class WorkflowCheckedOut(BaseModel):
    valid: bool = Field(description="Always true: an invalid document is answered 422")
    steps: list[StepOut]


class DeletedOut(BaseModel):
    collection: str
    version: int = Field(description="The version that puts the collection back on the default workflow")


class AppliedOut(BaseModel):
    version: int = Field(description="The workflow version applied")
    dry_run: bool = Field(description="True without rerun_changed: nothing was queued")
    media: int = Field(description="Ready media of the collection compared with the workflow")
    reextract: list[str] = Field(
        description="Media whose extraction options (transcribe, ocr) changed: reprocessed, then every step"
    )
    steps: dict[str, int] = Field(description="Step key → how many media (re-)run it")
    jobs: list[str] = Field(description="The jobs queued")


def _steps(plan: Plan) -> list[StepOut]:
    return [
        StepOut(key=s.key, name=s.name, config=s.config, config_hash=s.config_hash, needs=list(s.needs))
        for s in plan.steps
    ]


async def _body(request: Request) -> tuple[bytes, str]:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_DOCUMENT_BYTES:
            raise LimitExceeded(f"a workflow document is at most {MAX_DOCUMENT_BYTES} bytes")
    return body, request.headers.get("content-type", "application/yaml").lower()


@router.put(
    "/{name}/workflow",
    # dry_run=true answers the check (WorkflowCheckedOut) instead of a stored workflow
    response_model=WorkflowOut | WorkflowCheckedOut,
    responses={
        **ERRORS,
        200: {"description": "Stored (a new version); with `dry_run=true`, the check: `valid` and `steps`"},
        201: {"model": WorkflowOut, "description": "Created (the collection's first)"},
    },
    summary="Set a collection's workflow (YAML or JSON); media added from now on run it",
    openapi_extra=BODY,
)
async def put(
    request: Request,
    rt: RuntimeDep,
    tenant: TenantDep,
    name: Name,
    dry_run: Annotated[
        bool, Query(description="Only check the document (the web UI's editor does), store nothing")
    ] = False,
) -> Response:
    body, media_type = await _body(request)
    if dry_run:
        _, plan = workflows.validate(rt, tenant, body, media_type)
        return JSONResponse(WorkflowCheckedOut(valid=True, steps=_steps(plan)).model_dump(mode="json"))
    stored = workflows.put_workflow(rt, tenant, name, body, media_type)
    code = status.HTTP_201_CREATED if stored.version == 1 else status.HTTP_200_OK
    return JSONResponse(WorkflowOut.of(stored).model_dump(mode="json"), status_code=code)


@router.get(
    "/{name}/workflow",
    response_model=WorkflowOut,
    responses=ERRORS,
    summary="A collection's workflow with its version (the default one where none is set)",
)
def get(rt: RuntimeDep, tenant: TenantDep, name: Name) -> WorkflowOut:
    return WorkflowOut.of(workflows.get_workflow(rt, tenant, name))


@router.delete(
    "/{name}/workflow",
    response_model=DeletedOut,
    responses=ERRORS,
    summary="Put a collection back on the default workflow",
)
def delete(rt: RuntimeDep, tenant: TenantDep, name: Name) -> DeletedOut:
    return DeletedOut(collection=name, version=workflows.delete_workflow(rt, tenant, name))


@router.post(
    "/{name}/workflow/apply",
    response_model=AppliedOut,
    responses=ERRORS,
    summary="Bring the collection's media up to its workflow: re-run only the steps that changed",
    description="Compares each ready media's steps with the workflow: a step that is new or whose "
    "config hash changed runs again, with the steps that wait for it; a media whose extraction "
    "options (transcribe, ocr) changed is reprocessed. Without `rerun_changed` it only says what "
    "would run. 409 when the collection has no workflow.",
)
def apply(
    rt: RuntimeDep,
    tenant: TenantDep,
    name: Name,
    rerun_changed: Annotated[bool, Query(description="Queue the jobs (else a dry run)")] = False,
) -> AppliedOut:
    done = workflows.apply(rt, tenant, name, rerun_changed)
    return AppliedOut(
        version=done.version,
        dry_run=done.dry_run,
        media=done.media,
        reextract=done.reextract or [],
        steps=done.steps or {},
        jobs=done.jobs or [],
    )
