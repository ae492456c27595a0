"""/v1/admin: operating the queue: its stats, and the dead-letter queue across tenants.

Every route needs the ``admin`` scope and may span tenants (``?tenant=`` narrows). A tenant's own
job control (status, retry, cancel) is ``jobs.py``'s.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from mediasift.api.deps import AdminScope, RuntimeDep
from mediasift.api.schemas import JobOut, error_responses
from mediasift.catalog import jobs as job_rows
from mediasift.catalog.models import Job
from mediasift.domain import JobStatus
from mediasift.jobs import lifecycle
from mediasift.services import media as media_service

if TYPE_CHECKING:
    from mediasift.runtime import Runtime

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[AdminScope])
ERRORS = error_responses(400, 401, 403, 404, 409, 422)


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


def _tenant_jobs(rt: Runtime, jobs: list[Job]) -> TenantJobListOut:
    with rt.catalog.read_session() as s:
        names = job_rows.filenames(s, (job.media_id for job in jobs))
        steps = job_rows.step_keys(s, jobs)

    def listed(job: Job) -> TenantJobOut:
        out = JobOut.of(job, names.get(job.media_id), steps.get(job.id))
        return TenantJobOut(**out.model_dump(), tenant=job.tenant_id)

    return TenantJobListOut(jobs=[listed(job) for job in jobs])


@router.get("/queue", response_model=QueueStatsOut, responses=ERRORS, summary="Queue depth, in-flight, dead")
def queue_stats(rt: RuntimeDep) -> QueueStatsOut:
    stats = rt.queue.stats()
    with rt.catalog.read_session() as s:
        counts = job_rows.job_counts(s)
    return QueueStatsOut(
        depth=int(stats.get("depth", 0)),
        in_flight=int(stats.get("in_flight", 0)),
        delayed=int(stats.get("delayed", 0)),
        dead=int(stats.get("dead", 0)),
        oldest_age_s=round(float(stats.get("oldest_age_s", 0.0)), 1),
        jobs_by_status={str(k): int(v) for k, v in counts.items()},
    )


@router.get("/dlq", response_model=TenantJobListOut, responses=ERRORS, summary="Dead jobs, every tenant")
def dlq_list(
    rt: RuntimeDep, tenant: str | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> TenantJobListOut:
    with rt.catalog.read_session() as s:
        dead = job_rows.list_jobs(s, tenant, status=JobStatus.DEAD.value, limit=limit)
    return _tenant_jobs(rt, dead)


@router.post("/dlq/retry", response_model=TenantJobListOut, responses=ERRORS, summary="Retry dead jobs")
def dlq_retry(rt: RuntimeDep, body: DlqRetryIn | None = None) -> TenantJobListOut:
    body = body or DlqRetryIn()
    with rt.catalog.session() as s:
        if body.job_ids:
            ids = [job_rows.get_job(s, jid, body.tenant).id for jid in body.job_ids]
        else:
            dead = job_rows.list_jobs(s, body.tenant, status=JobStatus.DEAD.value, limit=100_000)
            ids = [j.id for j in dead]
    # as the retry left them (a worker may have taken one since)
    return _tenant_jobs(rt, lifecycle.retry(rt, ids, body.tenant))


@router.post(
    "/dlq/purge", response_model=CountOut, responses=ERRORS, summary="Delete dead jobs and their media"
)
def dlq_purge(rt: RuntimeDep, body: DlqPurgeIn | None = None) -> CountOut:
    def delete_media(tenant: str, media_id: str) -> None:
        media_service.delete_media(rt, tenant, media_id, drop_letters=False)  # the purge dropped them

    return CountOut(count=lifecycle.purge_dead(rt, (body or DlqPurgeIn()).tenant, delete_media))
