"""/v1/jobs: a tenant's own jobs: status, listing, retry and cancel.

Reads need ``read``, retry and cancel ``write``; the dead-letter queue across tenants is
``admin.py``'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query

from mediasift.api.deps import RuntimeDep, TenantDep
from mediasift.api.schemas import CURSOR_HELP, JobListOut, JobOut, error_responses
from mediasift.catalog import jobs as job_rows
from mediasift.catalog.paging import cursor_of, read_cursor
from mediasift.domain import JobStatus
from mediasift.errors import InvalidRequest, UnknownValue
from mediasift.jobs import lifecycle

if TYPE_CHECKING:
    from mediasift.catalog.db import Session
    from mediasift.catalog.models import Job
    from mediasift.runtime import Runtime

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
ERRORS = error_responses(400, 404, 409)
CANCEL_ERRORS = error_responses(400, 401, 403, 404, 409, 422)
MAX_LIST = 1000
MEDIA_HELP = (
    "Only the jobs of these media (repeat the parameter, or separate ids with commas; at most "
    "1000): how a client follows a media's workflow steps, whose jobs are queued as the steps "
    "before them end."
)
STATUS_HELP = "Only jobs in this status, or in any of several separated by commas (`queued,running,failed`)."
IDS_HELP = (
    "Only these jobs (repeat the parameter, or separate ids with commas; at most 1000): how a "
    "client follows many jobs with one request. Ids of other tenants' jobs match nothing."
)


@router.get("", response_model=JobListOut, responses=ERRORS, summary="List jobs, newest first")
def list_jobs(
    rt: RuntimeDep,
    tenant: TenantDep,
    status: Annotated[str | None, Query(description=STATUS_HELP)] = None,
    limit: Annotated[
        int, Query(ge=1, description=f"How many, newest first; more than {MAX_LIST} answers {MAX_LIST}")
    ] = 100,
    ids: Annotated[list[str] | None, Query(description=IDS_HELP)] = None,
    media_id: Annotated[list[str] | None, Query(description=MEDIA_HELP)] = None,
    cursor: Annotated[str | None, Query(max_length=200, description=CURSOR_HELP)] = None,
) -> JobListOut:
    wanted = _listed(ids, "ids", "jobs")
    media_ids = _listed(media_id, "media_id", "media")
    statuses = _listed([status], "status", "statuses") if status else None
    if unknown := sorted(set(statuses or ()) - set(JobStatus)):
        raise UnknownValue(f"status {unknown[0]!r} is none of: {', '.join(JobStatus)}")
    limit = len(wanted) if wanted is not None else max(1, min(limit, MAX_LIST))
    with rt.catalog.read_session() as s:
        jobs = job_rows.list_jobs(
            s,
            tenant,
            status=statuses,
            ids=wanted,
            media_ids=media_ids,
            limit=max(1, limit),
            cursor=read_cursor(cursor) if cursor is not None else None,
        )
        names = job_rows.filenames(s, (j.media_id for j in jobs))
        steps = job_rows.step_keys(s, jobs)
        full = wanted is None and len(jobs) == limit
        return JobListOut(
            jobs=[JobOut.of(j, names.get(j.media_id), steps.get(j.id)) for j in jobs],
            next_cursor=cursor_of(jobs[-1].created_at, jobs[-1].id) if full else None,
        )


def _listed(given: list[str] | None, parameter: str, what: str) -> list[str] | None:
    """``ids=a&ids=b`` or ``ids=a,b``: the distinct values asked for, or None when not filtering."""
    if given is None:
        return None
    wanted = sorted({part.strip() for value in given for part in value.split(",") if part.strip()})
    if len(wanted) > MAX_LIST:
        raise InvalidRequest(f"{parameter} names {len(wanted)} {what}; at most {MAX_LIST} per request")
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
        return _out(s, job)


@router.post(
    "/{job_id}/cancel",
    response_model=JobOut,
    responses=CANCEL_ERRORS,
    summary="Cancel a queued job now, or a running one at its next progress report",
)
def cancel(rt: RuntimeDep, tenant: TenantDep, job_id: str) -> JobOut:
    lifecycle.cancel(rt, job_id, tenant)
    return _job_out(rt, job_id, tenant)


def job_out(rt: Runtime, job: Job) -> JobOut:
    """A job a route has just queued or found, as ``GET /v1/jobs/{id}`` shows it: with its media's
    file name and the step it runs (``JobOut.of(job)`` alone left the name null)."""
    with rt.catalog.read_session() as s:
        return _out(s, job)


def media_filename(rt: Runtime, media_id: str) -> str | None:
    """The media's file name for the jobs a route answers with (None: the media is gone)."""
    with rt.catalog.read_session() as s:
        return job_rows.filenames(s, [media_id]).get(media_id)


def _job_out(rt: Runtime, job_id: str, tenant: str) -> JobOut:
    with rt.catalog.read_session() as s:
        return _out(s, job_rows.get_job(s, job_id, tenant))


def _out(s: Session, job: Job) -> JobOut:
    filename = job_rows.filenames(s, [job.media_id]).get(job.media_id)
    return JobOut.of(job, filename, job_rows.step_keys(s, [job]).get(job.id))
