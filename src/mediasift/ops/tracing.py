"""OpenTelemetry traces across API → queue → worker, when ``MEDIASIFT_OTLP_ENDPOINT`` is set.

The API opens a span per request; the upload that creates a job stores the span's W3C
``traceparent`` on the job row; the worker that runs the job continues that trace, so one trace
shows the request, the wait in the queue and the processing. Without the setting (or without
``opentelemetry-sdk`` installed) every call here is a cheap no-op.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from mediasift.ops.logs import bind_job_context, clear_context

if TYPE_CHECKING:
    from mediasift.config import Settings
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.tracing")

try:
    from opentelemetry import context as otel_context
    from opentelemetry import trace
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    _propagator: Any = TraceContextTextMapPropagator()
except ImportError:  # pragma: no cover - opentelemetry-api ships with the base install
    trace = None  # type: ignore[assignment]
    _propagator = None

_enabled = False


def setup_tracing(settings: Settings) -> bool:
    """Install an OTLP/HTTP exporter if an endpoint is configured; True when tracing is on."""
    global _enabled
    if not settings.otlp_endpoint or _enabled:
        return _enabled
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as exc:
        log.warning(
            "MEDIASIFT_OTLP_ENDPOINT is set but %s is missing, so no traces are sent: pip install "
            "'mediasift[otel]' (opentelemetry-sdk and opentelemetry-exporter-otlp-proto-http)",
            exc.name or "an OpenTelemetry package",
        )
        return False
    provider = TracerProvider(resource=Resource.create({"service.name": "mediasift"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otlp_endpoint)))
    trace.set_tracer_provider(provider)
    _enabled = True
    return True


@contextmanager
def span(name: str, parent: str | None = None, **attributes: Any) -> Iterator[None]:
    """A span (child of ``parent``, a traceparent string, when given); a no-op without OTel."""
    if trace is None or not _enabled:  # OTel's own no-op span still draws random ids per call
        yield
        return
    ctx = _propagator.extract({"traceparent": parent}) if parent else None
    tracer = trace.get_tracer("mediasift")
    with tracer.start_as_current_span(name, context=ctx, attributes=attributes):
        yield


def current_traceparent() -> str | None:
    if trace is None or not trace.get_current_span().get_span_context().is_valid:
        return None
    carrier: dict[str, str] = {}
    _propagator.inject(carrier, context=otel_context.get_current())
    return carrier.get("traceparent")


def remember_trace(rt: Runtime, job_id: str) -> None:
    """Store the current trace on a job so the worker that runs it continues the trace."""
    from mediasift.catalog import traces  # SQLAlchemy's models: not at the CLI's import

    parent = current_traceparent()
    if parent:
        with rt.catalog.session() as s:
            traces.remember_traceparent(s, job_id, parent)


def traced_job(process: Callable[[Any, Any], None]) -> Callable[[Any, Any], None]:
    """Decorate ``Worker.process``: log context (job, media, tenant) and a span continuing the trace."""

    from mediasift.catalog import traces

    @functools.wraps(process)
    def wrapper(worker: Any, lease: Any) -> None:
        rt: Runtime = worker.rt
        with rt.catalog.read_session() as s:
            found = traces.job_trace(s, lease.job_id)
        tenant, media_id, parent = found if found is not None else (None, None, None)
        bind_job_context(lease.job_id, media_id=media_id, tenant=tenant)
        try:
            with span("mediasift.job", parent=parent, job_id=lease.job_id, attempt=lease.attempts):
                process(worker, lease)
        finally:  # what the thread logs next (a bucket event, the next receive) is not this job's
            clear_context()

    return wrapper
