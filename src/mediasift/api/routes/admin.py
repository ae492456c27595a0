"""Operating the queue: stats, the dead-letter queue across tenants (admin), and job cancel.

``/v1/admin/*`` needs the ``admin`` scope and may span tenants (``?tenant=`` narrows);
``POST /v1/jobs/{id}/cancel`` is a tenant's own job control (``write``).
"""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from mediasift.api.deps import AdminScope, RuntimeDep, TenantDep
from mediasift.api.schemas import ErrorOut, JobOut
from mediasift.catalog import repo
from mediasift.catalog.models import Job, Media
from mediasift.domain import JobStatus
from mediasift.jobs.control import cancel_job
from mediasift.services import ingest

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[AdminScope])
cancel_router = APIRouter(prefix="/v1/jobs", tags=["jobs"])
ERRORS = {code: {"model": ErrorOut} for code in (400, 401, 403, 404, 409, 422)}


class TenantJobOut(JobOut):
    tenant: str


class TenantJobListOut(BaseModel):
    jobs: list[TenantJobOut]


class QueueStatsOut(BaseModel):
    depth: int
    in_flight: int
    delayed: int
    dead: int
    oldest_age_s: float
    jobs_by_status: dict[str, int] = Field(description="Jobs in the catalog by status, all tenants")


class DlqRetryIn(BaseModel):
    job_ids: list[str] | None = Field(None, description="Dead jobs to retry (default: every dead job)")
    tenant: str | None = Field(None, description="Only this tenant's dead jobs")


class DlqPurgeIn(BaseModel):
    tenant: str | None = Field(None, description="Only this tenant's dead jobs")


class CountOut(BaseModel):
    count: int


def _tenant_job(s, job: Job) -> TenantJobOut:  # type: ignore[no-untyped-def]
    media = s.get(Media, job.media_id)
    return TenantJobOut(
        **JobOut.of(job, media.filename if media else None).model_dump(), tenant=job.tenant_id
    )


@router.get("/queue", response_model=QueueStatsOut, responses=ERRORS, summary="Queue depth, in-flight, dead")
def queue_stats(rt: RuntimeDep) -> QueueStatsOut:
    stats = rt.queue.stats()
    with rt.catalog.session() as s:
        counts = repo.job_counts(s)
    return QueueStatsOut(
        depth=int(stats.get("depth", 0)),
        in_flight=int(stats.get("in_flight", 0)),
        delayed=int(stats.get("delayed", 0)),
        dead=int(stats.get("dead", 0)),
        oldest_age_s=round(float(stats.get("oldest_age_s", 0.0)), 1),
        jobs_by_status={str(k): int(v) for k, v in counts.items()},
    )


@router.get("/dlq", response_model=TenantJobListOut, responses=ERRORS, summary="Dead jobs, every tenant")
def dlq_list(rt: RuntimeDep, tenant: str | None = None, limit: int = 100) -> TenantJobListOut:
    with rt.catalog.session() as s:
        dead = repo.list_jobs(s, tenant, status=JobStatus.DEAD.value, limit=max(1, min(limit, 1000)))
        return TenantJobListOut(jobs=[_tenant_job(s, j) for j in dead])


@router.post("/dlq/retry", response_model=TenantJobListOut, responses=ERRORS, summary="Retry dead jobs")
def dlq_retry(rt: RuntimeDep, body: DlqRetryIn | None = None) -> TenantJobListOut:
    body = body or DlqRetryIn()
    with rt.catalog.session() as s:
        if body.job_ids:
            ids = [repo.get_job(s, jid, body.tenant).id for jid in body.job_ids]
        else:
            ids = [j.id for j in repo.list_jobs(s, body.tenant, status=JobStatus.DEAD.value, limit=100_000)]
    retried = ingest.retry_jobs(rt, ids, body.tenant)
    with rt.catalog.session() as s:  # as the retry left them (a worker may have taken one since)
        return TenantJobListOut(jobs=[_tenant_job(s, job) for job in retried])


@router.post(
    "/dlq/purge", response_model=CountOut, responses=ERRORS, summary="Delete dead jobs and their media"
)
def dlq_purge(rt: RuntimeDep, body: DlqPurgeIn | None = None) -> CountOut:
    return CountOut(count=ingest.purge_dead(rt, (body or DlqPurgeIn()).tenant))


@cancel_router.post(
    "/{job_id}/cancel",
    response_model=JobOut,
    responses=ERRORS,
    summary="Cancel a queued job now, or a running one at its next progress report",
)
def cancel(rt: RuntimeDep, tenant: TenantDep, job_id: str) -> JobOut:
    cancel_job(rt, job_id, tenant)
    with rt.catalog.session() as s:
        job = repo.get_job(s, job_id, tenant)
        media = s.get(Media, job.media_id)
        return JobOut.of(job, media.filename if media else None)
