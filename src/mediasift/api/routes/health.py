"""/health (liveness plus a system view) and /ready."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from mediasift import __version__
from mediasift.api.deps import RuntimeDep

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness and a system view")
def health(rt: RuntimeDep) -> dict:
    import psutil

    catalog_status = index_status = "ok"
    queue: dict = {}
    try:
        queue = rt.queue.stats()
    except Exception as exc:
        catalog_status = f"error: {type(exc).__name__}"
    try:
        rt.index.count()
    except Exception as exc:
        index_status = f"error: {type(exc).__name__}"
    return {
        "status": "ok" if catalog_status == index_status == "ok" else "degraded",
        "cpu_percent": psutil.cpu_percent(interval=None),
        "memory_percent": psutil.virtual_memory().percent,
        "disk_percent": psutil.disk_usage(str(rt.settings.home.resolve())).percent,
        "index_status": index_status,
        "catalog_status": catalog_status,
        "queue": {k: (int(v) if k != "oldest_age_s" else round(v, 1)) for k, v in queue.items()},
        "models_loaded": rt.models.loaded(),
        "version": __version__,
        "timestamp": datetime.now(UTC).isoformat(),
        "uptime_s": round(time.monotonic() - rt.started_monotonic, 1),
    }


@router.get("/ready", summary="Readiness: 503 until backends answer")
def ready(rt: RuntimeDep) -> JSONResponse:
    try:
        rt.queue.stats()
        rt.index.count()
    except Exception as exc:
        return JSONResponse({"status": "not_ready", "reason": str(exc)}, status_code=503)
    return JSONResponse({"status": "ready"})
