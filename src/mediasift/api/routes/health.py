"""/health (liveness plus a system view), /ready (503 until models and backends are ready) and
/metrics (Prometheus text; needs ``admin`` once keys exist, as metrics span every tenant)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from mediasift import __version__
from mediasift.api.deps import AdminDep, RuntimeDep
from mediasift.api.schemas import error_responses
from mediasift.ops import metrics
from mediasift.ops.probes import probe
from mediasift.ops.readiness import Readiness
from mediasift.services import auth

router = APIRouter(tags=["health"])


class QueueOut(BaseModel):
    depth: int = Field(description="Jobs waiting to run")
    in_flight: int = Field(description="Jobs leased by a worker")
    delayed: int = Field(
        description="Jobs waiting out a send delay or a retry's backoff (SQS: send delays only)"
    )
    dead: int = Field(description="Jobs in the dead-letter state")
    oldest_age_s: float | None = Field(
        description="Seconds the oldest waiting job has waited; null on SQS, which publishes it only to "
        "CloudWatch (ApproximateAgeOfOldestMessage)"
    )


# psutil measures CPU use since its previous call, and a process's first call answers 0.0: the
# first /health measures over a tenth of a second instead.
_cpu_measured = False


class HealthOut(BaseModel):
    status: str = Field(description="ok | degraded (a backend does not answer)")
    cpu_percent: float = Field(
        description="The machine's CPU use since the previous /health (over 0.1 s, for the first)"
    )
    memory_percent: float
    disk_percent: float = Field(description="Use of the disk holding MEDIASIFT_HOME")
    index_status: str = Field(description="ok | error: <kind>")
    catalog_status: str = Field(description="ok | error: <kind>")
    queue: QueueOut | None = Field(description="null when the queue does not answer")
    models_loaded: list[str]
    version: str
    timestamp: datetime


class ReadyOut(BaseModel):
    status: str = Field(description="ready | not_ready")
    reasons: list[str] = Field(default_factory=list, description="Why not ready")


@router.get("/health", response_model=HealthOut, summary="Liveness and a system view")
def health(request: Request, rt: RuntimeDep) -> HealthOut:
    import psutil

    readiness: Readiness = request.app.state.readiness
    catalog_status, index_status = readiness.check_catalog(), readiness.check_index()
    queue: QueueOut | None = None
    try:
        stats: dict[str, Any] = probe("queue", rt.queue, rt.queue.stats)
        queue = QueueOut(
            depth=int(stats.get("depth", 0)),
            in_flight=int(stats.get("in_flight", 0)),
            delayed=int(stats.get("delayed", 0)),
            dead=int(stats.get("dead", 0)),
            oldest_age_s=round(float(stats["oldest_age_s"]), 1) if "oldest_age_s" in stats else None,
        )
    except Exception:
        pass  # reported as queue: null and status degraded
    healthy = catalog_status == index_status == "ok" and queue is not None
    return HealthOut(
        status="ok" if healthy else "degraded",
        cpu_percent=_cpu_percent(psutil),
        memory_percent=psutil.virtual_memory().percent,
        disk_percent=psutil.disk_usage(str(rt.settings.home.resolve())).percent,
        index_status=index_status,
        catalog_status=catalog_status,
        queue=queue,
        models_loaded=rt.models.loaded(),
        version=__version__,
        timestamp=datetime.now(UTC),
    )


@router.get(
    "/ready",
    response_model=ReadyOut,
    responses={503: {"model": ReadyOut, "description": "Not ready: models loading or a backend down"}},
    summary="Readiness: 503 until models are loaded and backends answer",
)
def ready(request: Request, rt: RuntimeDep) -> JSONResponse:
    reasons = request.app.state.readiness.reasons()
    # no key can be checked: every client with one would be refused (a restore without it)
    try:
        pepper = probe("pepper", rt.catalog, lambda: auth.pepper_problem(rt.settings, rt.catalog))
    except Exception:  # the catalog not answering is the catalog's reason, said by ``reasons``
        pepper = None
    reasons += [pepper] if pepper else []
    if reasons:
        return JSONResponse({"status": "not_ready", "reasons": reasons}, status_code=503)
    return JSONResponse({"status": "ready", "reasons": []})


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {}}, "description": "Prometheus text exposition"},
        **error_responses(400, 401, 403),  # metrics span every tenant: admin scope once keys exist
    },
    summary="Prometheus metrics (admin scope once keys exist)",
)
def prometheus_metrics(rt: RuntimeDep, _: AdminDep) -> Response:
    return Response(metrics.exposition(rt), media_type="text/plain; version=0.0.4; charset=utf-8")


def _cpu_percent(psutil: Any) -> float:
    global _cpu_measured
    first, _cpu_measured = not _cpu_measured, True
    return float(psutil.cpu_percent(interval=0.1 if first else None))
