"""Structured logs: one JSON object per line, carrying request id, tenant, media id and job id.

``configure_logging`` routes both structlog and the standard library's ``logging`` (which most
modules use) through one JSON renderer, so every line gets the context bound with
``bind_request_context`` / ``bind_job_context`` — context variables, so each request and each
worker thread carries its own.
"""

from __future__ import annotations

import logging as std_logging
import sys
from typing import Any

import structlog

_configured = False


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
    ]


def configure_logging(level: str = "INFO", fmt: str = "json") -> None:
    """JSON (or console) lines on stderr for structlog and stdlib loggers alike; idempotent."""
    global _configured
    renderer: Any = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*_shared_processors(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = std_logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            # ExtraAdder: a stdlib call's ``extra={...}`` fields become the line's own (a dead
            # job's error and code had been dropped, the line saying only "job … dead").
            foreign_pre_chain=[*_shared_processors(), structlog.stdlib.ExtraAdder()],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = std_logging.getLogger()
    if _configured:
        for old in [h for h in root.handlers if getattr(h, "_mediasift", False)]:
            root.removeHandler(old)
    handler._mediasift = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    # Alembic says at INFO which of its plugins it set up, every start that migrates: noise to an
    # operator (its "Running upgrade …" lines stay).
    std_logging.getLogger("alembic.runtime.plugins").setLevel("WARNING")
    _configured = True


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)


def bind_request_context(**values: Any) -> None:
    """Add keys (request_id, tenant, key_id…) to every log line of the current request/thread."""
    structlog.contextvars.bind_contextvars(**{k: v for k, v in values.items() if v is not None})


def bind_job_context(job_id: str, media_id: str | None = None, tenant: str | None = None) -> None:
    structlog.contextvars.clear_contextvars()
    bind_request_context(job_id=job_id, media_id=media_id, tenant=tenant)


def clear_context() -> None:
    structlog.contextvars.clear_contextvars()
