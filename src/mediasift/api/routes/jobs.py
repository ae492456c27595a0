"""/v1/jobs: status, listing and retry."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select

from mediasift.api.deps import RuntimeDep, TenantDep
from mediasift.api.schemas import ErrorOut, JobListOut, JobOut
from mediasift.catalog import repo
from mediasift.catalog.models import Media
from mediasift.errors import InvalidRequest
from mediasift.services import ingest

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
ERRORS = {code: {"model": ErrorOut} for code in (400, 404)}
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
    with rt.catalog.session() as s:
        jobs = repo.list_jobs(s, tenant, status=status, ids=wanted, limit=max(1, limit))
        names = _filenames(s, {j.media_id for j in jobs})
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


def _filenames(s, media_ids: set[str]) -> dict[str, str]:  # type: ignore[no-untyped-def]
    if not media_ids:
        return {}
    return dict(s.execute(select(Media.id, Media.filename).where(Media.id.in_(media_ids))).all())
