"""Retention: delete originals after ``retention_days`` while keeping everything derived from them.

Segments, vectors and artifacts (transcripts, frames, thumbnails) stay, so search, ask and
citations keep working; downloading the original answers 404 and re-extraction is no longer
possible (``mediasift reindex`` still is: it needs only the catalog). Only media that finished
processing (``ready``) lose their originals; the deletion is recorded in
``media.original_deleted_at`` so each original is deleted once.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from mediasift.catalog import retention as repo
from mediasift.catalog.models import utcnow

if TYPE_CHECKING:
    from datetime import datetime

    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.retention")


@dataclass
class RetentionReport:
    deleted: list[str] = field(default_factory=list)  # media ids whose original was deleted
    bytes: int = 0


def run_retention(
    rt: Runtime, days: float, *, now: datetime | None = None, dry_run: bool = False, batch: int = 500
) -> RetentionReport:
    """Delete the originals of ready media created more than ``days`` ago."""
    if days <= 0:
        raise ValueError("retention days must be positive")
    cutoff = (now or utcnow()) - timedelta(days=days)
    report = RetentionReport()
    with rt.catalog.read_session() as s:
        due = repo.originals_due(s, cutoff, batch)
    for original in due:
        report.deleted.append(original.media_id)
        report.bytes += original.bytes
        if dry_run:
            continue
        rt.store.delete(original.key)
        with rt.catalog.session() as s:
            repo.mark_original_deleted(s, original.media_id)
    if report.deleted and not dry_run:
        log.info("retention deleted %d originals (%d bytes)", len(report.deleted), report.bytes)
    return report


def original_deleted(rt: Runtime, media_id: str) -> bool:
    with rt.catalog.read_session() as s:
        return repo.original_deleted(s, media_id)


def start_retention(rt: Runtime, interval_s: float = 3600.0) -> threading.Thread | None:
    """With ``retention_days`` set, apply it now and then every ``interval_s`` until shutdown."""
    days = rt.settings.retention_days
    if not days or rt.__dict__.get("_retention_thread") is not None:
        return None

    def run() -> None:
        while True:
            try:
                while len(run_retention(rt, days).deleted) >= 500:
                    pass  # a full batch: there may be more
            except Exception:
                log.exception("retention run failed; next try in %.0f s", interval_s)
            if rt.stopping.wait(interval_s):
                return

    thread = threading.Thread(target=run, name="retention", daemon=True)
    rt.__dict__["_retention_thread"] = thread
    thread.start()
    return thread
