"""/v1/jobs: a tenant's own jobs: status, listing, retry and cancel.

Reads need ``read``, retry and cancel ``write``; the dead-letter queue across tenants is
``admin.py``'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query

from mediasift.api.deps import RuntimeDep, TenantDep
from mediasift.api.schemas import JobListOut, JobOut, error_responses
from mediasift.catalog import jobs as job_rows
from mediasift.errors import InvalidRequest
from mediasift.jobs import lifecycle

if TYPE_CHECKING:
    from mediasift.runtime import Runtime

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
ERRORS = error_responses(400, 404)
CANCEL_ERRORS = error_responses(400, 401, 403, 404, 409, 422)
MAX_LIST = 1000
IDS_HELP = (
    "Only these jobs (repeat the parameter, or separate ids with commas; at most 1000): how a "
    "client follows many jobs with one request. Ids of other tenants' jobs match nothing."
)


@router.get("", response_model=JobListOut, responses=ERRORS, summary="List jobs, newest first")
def list_jobs(
    rt: RuntimeDep,
    tenant: TenantDep,
    status: str | None = None,
    limit: int = 100,
    ids: Annotated[list[str] | None, Query(description=IDS_HELP)] = None,
) -> JobListOut:
    wanted = _job_ids(ids)
    limit = len(wanted) if wanted is not None else max(1, min(limit, MAX_LIST))
    with rt.catalog.read_session() as s:
        jobs = job_rows.list_jobs(s, tenant, status=status, ids=wanted, limit=max(1, limit))
        names = job_rows.filenames(s, (j.media_id for j in jobs))
        return JobListOut(jobs=[JobOut.of(j, names.get(j.media_id)) for j in jobs])


def _job_ids(given: list[str] | None) -> list[str] | None:
    """``ids=a&ids=b`` or ``ids=a,b``: the distinct ids asked for, or None when not filtering."""
    if given is None:
        return None
    wanted = sorted({part.strip() for value in given for part in value.split(",") if part.strip()})
    if len(wanted) > MAX_LIST:
        raise InvalidRequest(f"ids names {len(wanted)} jobs; at most {MAX_LIST} per request")
    return wanted


@router.get(
    "/{job_id}", response_model=JobOut, responses=ERRORS, summary="A job's status, stage and progress"
)
def get_job(rt: RuntimeDep, tenant: TenantDep, job_id: str) -> JobOut:
    return _job_out(rt, job_id, tenant)


@router.post("/{job_id}/retry", response_model=JobOut, responses=ERRORS, summary="Retry a dead or failed job")
def retry(rt: RuntimeDep, tenant: TenantDep, job_id: str) -> JobOut:
    (job,) = lifecycle.retry(rt, [job_id], tenant)
    with rt.catalog.read_session() as s:
        # The job as the retry left it: a worker may have taken it since.
        return JobOut.of(job, job_rows.filenames(s, [job.media_id]).get(job.media_id))


@router.post(
    "/{job_id}/cancel",
    response_model=JobOut,
    responses=CANCEL_ERRORS,
    summary="Cancel a queued job now, or a running one at its next progress report",
)
def cancel(rt: RuntimeDep, tenant: TenantDep, job_id: str) -> JobOut:
    lifecycle.cancel(rt, job_id, tenant)
    return _job_out(rt, job_id, tenant)


def _job_out(rt: Runtime, job_id: str, tenant: str) -> JobOut:
    with rt.catalog.read_session() as s:
        job = job_rows.get_job(s, job_id, tenant)
        return JobOut.of(job, job_rows.filenames(s, [job.media_id]).get(job.media_id))
