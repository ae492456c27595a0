"""/v1/collections/{name}: a collection's report (every media with what it is about and its state)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from mediasift.api.deps import PublicUrlDep, RuntimeDep, TenantDep
from mediasift.api.reports import REPORT_RESPONSES, ReportFormat, report_response
from mediasift.api.schemas import error_responses
from mediasift.services import reports

router = APIRouter(prefix="/v1/collections", tags=["media"])
ERRORS = error_responses(400, 401, 403, 404, 422)


@router.get(
    "/{name}/report",
    response_class=Response,
    responses={**REPORT_RESPONSES, **ERRORS},
    summary="A collection's report: totals, what it is about most, and each media's summary and state",
    description="Totals over all the collection's media (by kind and state: ready, processing, dead, "
    "failed; duration and pages), the labels, entities and keywords most of its ready media carry, "
    "and its newest `limit` media, each with its summary (linked to the web UI's player), labels, "
    "top entities, keywords and job state (a dead job with its error code). `truncated` says when "
    "the list stops short of the collection. 404 when the tenant has no media in the collection. "
    "Each report made is also written to `processed/{tenant}/reports/collections/{name}.{format}`.",
)
def collection_report(
    rt: RuntimeDep,
    tenant: TenantDep,
    base_url: PublicUrlDep,
    name: str,
    fmt: ReportFormat = "json",
    limit: Annotated[
        int,
        Query(
            ge=1,
            le=reports.MAX_COLLECTION_LIMIT,
            description="How many media to list, newest first (the totals count them all)",
        ),
    ] = reports.DEFAULT_COLLECTION_LIMIT,
) -> Response:
    rendered = reports.collection_report_file(rt, tenant, name, fmt, base_url, limit)
    return report_response(rendered, f"report-{name}")
