"""/v1/jobs: status, listing and retry."""

from __future__ import annotations

from fastapi import APIRouter

from mediasift import ingest
from mediasift.api.deps import RuntimeDep, TenantDep
from mediasift.api.schemas import ErrorOut, JobListOut, JobOut
from mediasift.catalog import repo
from mediasift.catalog.models import Media

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
ERRORS = {code: {"model": ErrorOut} for code in (400, 404)}


@router.get("", response_model=JobListOut, summary="List jobs, newest first")
def list_jobs(rt: RuntimeDep, tenant: TenantDep, status: str | None = None, limit: int = 100) -> JobListOut:
    with rt.catalog.session() as s:
        jobs = repo.list_jobs(s, tenant, status=status, limit=max(1, min(limit, 1000)))
        names = {j.media_id: _filename(s, j.media_id) for j in jobs}
        return JobListOut(jobs=[JobOut.of(j, names[j.media_id]) for j in jobs])


@router.get(
    "/{job_id}", response_model=JobOut, responses=ERRORS, summary="A job's status, stage and progress"
)
def get_job(rt: RuntimeDep, tenant: TenantDep, job_id: str) -> JobOut:
    with rt.catalog.session() as s:
        job = repo.get_job(s, job_id, tenant)
        return JobOut.of(job, _filename(s, job.media_id))


@router.post("/{job_id}/retry", response_model=JobOut, responses=ERRORS, summary="Retry a dead or failed job")
def retry(rt: RuntimeDep, tenant: TenantDep, job_id: str) -> JobOut:
    job = ingest.retry_job(rt, job_id, tenant)
    with rt.catalog.session() as s:
        # The job as the retry left it: re-read, a worker may already have taken it.
        return JobOut.of(job, _filename(s, job.media_id))


def _filename(s, media_id: str) -> str | None:  # type: ignore[no-untyped-def]
    media = s.get(Media, media_id)
    return media.filename if media else None
