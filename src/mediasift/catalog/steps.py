"""Each media's workflow steps (``media_step``): planned at ingest, followed as their jobs go.

Status values: ``waiting`` (for its needs), ``queued``, ``running``, ``failed`` (an attempt failed;
it will run again), ``succeeded``, ``skipped``, ``dead``, ``cancelled``, ``blocked`` (its ingest
died, so it cannot run). A step has *ended*, for the steps that wait for it, once it is in
``ENDED``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mediasift.catalog.models import Media, MediaStep, utcnow

ENDED = frozenset({"succeeded", "skipped", "dead", "cancelled", "blocked"})


def lock_media(s: Session, media_id: str) -> Media | None:
    """The media row, locked until the transaction ends (PostgreSQL; SQLite's writers are already
    one at a time), so that two steps of one media ending together decide their followers in turn."""
    return s.scalars(select(Media).where(Media.id == media_id).with_for_update()).first()


def media_steps(s: Session, media_id: str) -> list[MediaStep]:
    """A media's steps, in plan order (the order they were written)."""
    rows = list(s.scalars(select(MediaStep).where(MediaStep.media_id == media_id)))
    order = {key: i for i, key in enumerate(_plan_order(rows))}
    return sorted(rows, key=lambda r: order[r.step_key])


def _plan_order(rows: list[MediaStep]) -> list[str]:
    # needs point backwards in the plan, so sorting by how many steps a step waits for (then
    # by key) lists ingest first and notify last
    return [r.step_key for r in sorted(rows, key=lambda r: (len(r.needs or []), r.step_key))]


def by_job(s: Session, job_id: str) -> MediaStep | None:
    return s.scalars(select(MediaStep).where(MediaStep.job_id == job_id)).first()


def get_step(s: Session, media_id: str, step_key: str) -> MediaStep | None:
    return s.get(MediaStep, (media_id, step_key))


def put_step(
    s: Session,
    tenant_id: str,
    media_id: str,
    *,
    key: str,
    name: str,
    config: dict[str, Any],
    config_hash: str,
    needs: Iterable[str],
    workflow_version: int,
    status: str,
    job_id: str | None = None,
) -> MediaStep:
    """Write a step as planned (replacing the one of that key): its result and error are cleared."""
    row = s.get(MediaStep, (media_id, key))
    if row is None:
        row = MediaStep(media_id=media_id, step_key=key, tenant_id=tenant_id)
        s.add(row)
    row.name, row.config, row.config_hash, row.needs = name, config, config_hash, list(needs)
    row.workflow_version, row.status, row.job_id = workflow_version, status, job_id
    row.result, row.error, row.updated_at = {}, None, utcnow()
    return row


def delete_steps(s: Session, media_id: str, keep: Iterable[str] = ()) -> None:
    """Remove the media's steps whose keys are not in ``keep``."""
    kept = list(keep)
    q = delete(MediaStep).where(MediaStep.media_id == media_id)
    if kept:
        q = q.where(MediaStep.step_key.not_in(kept))
    s.execute(q)


def media_in_collection(s: Session, tenant_id: str, collection: str) -> list[tuple[str, int | None]]:
    """Every ready media of a collection: ``(id, workflow_version)``, oldest first."""
    q = (
        select(Media.id, Media.workflow_version)
        .where(Media.tenant_id == tenant_id, Media.collection == collection, Media.status == "ready")
        .order_by(Media.created_at)
    )
    return [(media_id, version) for media_id, version in s.execute(q)]


def record_rerun(s: Session, media_id: str, step_key: str, result: dict[str, Any], *, skipped: bool) -> None:
    """A step that ended, evaluated again outside its job (a ``when`` rule after a relabel): its
    result and whether it was skipped, as if its job had just found them."""
    row = s.get(MediaStep, (media_id, step_key))
    if row is not None and row.status in ("succeeded", "skipped"):
        row.result = result
        row.status = "skipped" if skipped else "succeeded"
        row.updated_at = utcnow()


def record_result(s: Session, job_id: str, result: dict[str, Any], *, skipped: bool = False) -> None:
    """What a step's job found (``skipped``: it had nothing to do), before the job ends."""
    row = by_job(s, job_id)
    if row is not None:
        row.result = result
        if skipped:
            row.status = "skipped"
        row.updated_at = utcnow()
