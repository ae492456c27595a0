"""Collections' workflows: put (validated against the schema and the tenant's taxonomies and
webhooks), read, delete, the plan a media is ingested with, and ``apply``, which re-runs on a
collection's media only the steps whose config changed.

Where none is set, the default workflow applies: today's pipeline (speech, OCR, enrichment with
the tenant's taxonomies, quality, and nutrition in the collections of
``MEDIASIFT_NUTRITION_COLLECTIONS``), run inside the ingest job as before. A collection with a
workflow gets its steps as jobs of their own (``jobs/steps.py``, ``services/workflow_steps.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import yaml

from mediasift.catalog import enrichments, repo, taxonomies
from mediasift.catalog import steps as step_rows
from mediasift.catalog import webhooks as webhook_rows
from mediasift.catalog import workflows as workflow_rows
from mediasift.convert.targets import ConversionInvalid, all_target_names, resolve, targets_for
from mediasift.errors import Conflict, NotFound
from mediasift.jobs import lifecycle
from mediasift.jobs import steps as step_jobs
from mediasift.workflow.document import Source, read_source
from mediasift.workflow.plan import INGEST, Plan, References, build_plan

if TYPE_CHECKING:
    from mediasift.catalog.db import Session
    from mediasift.runtime import Runtime

_KINDS = ("video", "audio", "image", "document", "text")
_TARGET_ALIASES = ("jpg", "markdown", "text", "contact_sheet")


@dataclass(frozen=True, slots=True)
class Workflow:
    """A collection's workflow as it applies now: ``version`` 0 and ``default`` when none is set."""

    collection: str
    version: int
    document: dict[str, Any]
    source: str
    default: bool
    plan: Plan
    created_at: datetime | None = None


def default_document(rt: Runtime, collection: str) -> dict[str, Any]:
    """Today's pipeline as a workflow document (what a collection without one runs)."""
    steps: list[dict[str, Any]] = [{"transcribe": {}}, {"ocr": {}}]
    if rt.settings.enrich:
        steps += [{"enrich": ["entities", "keywords", "summary"]}, {"classify": {}}]
    if rt.settings.quality:
        steps.append({"quality": {}})
    if collection in rt.settings.nutrition_collections:
        steps.append({"nutrition": {}})
    return {"version": 1, "steps": steps}


def references(rt: Runtime, tenant_id: str) -> References:
    """What a document of this tenant may name."""
    with rt.catalog.read_session() as s:
        taxa = {
            row.name: frozenset(str(label["name"]) for label in row.document.get("labels", []))
            for row in taxonomies.list_taxonomies(s, tenant_id)
        }
        hooks = frozenset(h.name for h in webhook_rows.list_webhooks(s, tenant_id) if h.name)
    return References(
        taxonomies=taxa,
        webhooks=hooks,
        convert_targets=frozenset(all_target_names()) | frozenset(_TARGET_ALIASES),
        check_convert=_convert_problem,
        check_model=lambda step, name: _model_problem(rt, step, name),
    )


def _model_problem(rt: Runtime, step: str, name: str) -> str | None:
    """Why the model a ``transcribe`` or ``ocr`` step names cannot run on this install: every
    media's extraction would fail on it (after its retries), so the workflow is refused when put."""
    from mediasift.asr.factory import model_missing
    from mediasift.ocr.factory import engine_missing

    return model_missing(name, rt.settings) if step == "transcribe" else engine_missing(name)


def _convert_problem(to: str, options: dict[str, Any]) -> str | None:
    """Why no kind of media can be converted to ``to`` with ``options`` (None: some can)."""
    reasons = []
    for kind in _KINDS:
        if to not in targets_for(kind, None) and to not in _TARGET_ALIASES:
            continue
        try:
            resolve(kind, None, to, options)
            return None
        except ConversionInvalid as exc:
            reasons.append(exc.message)
    return reasons[0] if reasons else None


def validate(rt: Runtime, tenant_id: str, body: bytes | str, media_type: str) -> tuple[Source, Plan]:
    """The document read and planned, or ``WorkflowInvalid`` with every problem, path and line."""
    source = read_source(body, media_type)
    return source, build_plan(source, references(rt, tenant_id))


def put_workflow(
    rt: Runtime, tenant_id: str, collection: str, body: bytes | str, media_type: str
) -> Workflow:
    """Store a new version of the collection's workflow; the media added from now on run it
    (``apply`` brings the ones already there up to it)."""
    source, plan = validate(rt, tenant_id, body, media_type)
    with rt.catalog.session() as s:
        repo.ensure_tenant(s, tenant_id)
        row = workflow_rows.add_version(s, tenant_id, collection, source.value, source.text)
        version, created_at = row.version, row.created_at
    return Workflow(collection, version, source.value, source.text, False, plan, created_at)


def _current(rt: Runtime, tenant_id: str, collection: str) -> tuple[int, Any, str | None, datetime] | None:
    """The collection's latest version, document (None: back to the default), source and time."""
    with rt.catalog.read_session() as s:
        row = workflow_rows.current(s, tenant_id, collection)
        return (row.version, row.document, row.source, row.created_at) if row is not None else None


def get_workflow(rt: Runtime, tenant_id: str, collection: str) -> Workflow:
    """The collection's workflow, or the default one (version 0) where none is set."""
    found = _current(rt, tenant_id, collection)
    if found is None or found[1] is None:
        document = default_document(rt, collection)
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True)
        plan = build_plan(read_source(text), None)
        return Workflow(collection, found[0] if found else 0, document, text, True, plan)
    version, stored, text, created_at = found
    assert stored is not None
    plan = build_plan(read_source(text or "", "application/yaml"), None)
    return Workflow(collection, version, stored, text or "", False, plan, created_at)


def delete_workflow(rt: Runtime, tenant_id: str, collection: str) -> int:
    """Put the collection back on the default workflow (a version without a document); 404 when
    it has none. Returns that version."""
    with rt.catalog.session() as s:
        row = workflow_rows.current(s, tenant_id, collection)
        if row is None or row.document is None:
            raise NotFound(f"collection {collection!r} has no workflow")
        return workflow_rows.add_version(s, tenant_id, collection, None, None).version


def plan_for(rt: Runtime, tenant_id: str, collection: str) -> tuple[int, Plan] | None:
    """The version and plan a media of the collection is ingested with; None: the default, run
    inside the ingest job. The default's document is not built nor checked: every ingest asks, and
    the check's first run imports the schema validator before a cold ingest reads its media
    (docs/benchmarks.md, "The cold CLI on an EPYC")."""
    found = _current(rt, tenant_id, collection)
    if found is None or found[1] is None:
        return None
    version, _, text, _ = found
    return version, build_plan(read_source(text or "", "application/yaml"), None)


def start_plan(
    s: Session, tenant_id: str, media_id: str, version: int, plan: Plan, job_id: str | None
) -> None:
    """Write a media's steps as its ingest begins: ``ingest`` running under ``job_id``, every other
    step waiting; steps of an earlier plan that this one lacks go."""
    step_rows.delete_steps(s, media_id, keep=[step.key for step in plan.steps])
    for step in plan.steps:
        step_rows.put_step(
            s,
            tenant_id,
            media_id,
            key=step.key,
            name=step.name,
            config=step.config,
            config_hash=step.config_hash,
            needs=step.needs,
            workflow_version=version,
            status="running" if step.key == INGEST else "waiting",
            job_id=job_id if step.key == INGEST else None,
        )
    media = repo.get_media(s, tenant_id, media_id)
    media.workflow_version = version
    if enrichments.get_enrichment(s, tenant_id, media_id) is None:
        # made now, so that steps running side by side each update their own fields of one row
        enrichments.save_enrichment(s, tenant_id, media_id, {})


# -- apply -----------------------------------------------------------------------------------------


@dataclass
class Applied:
    version: int
    media: int = 0  # media of the collection looked at
    reextract: list[str] | None = None  # media whose extraction options changed: reprocessed
    steps: dict[str, int] | None = None  # step key → media on which it (re-)runs
    jobs: list[str] | None = None  # the jobs queued (empty for a dry run)
    dry_run: bool = True


def apply(rt: Runtime, tenant_id: str, collection: str, rerun_changed: bool) -> Applied:
    """Compare each ready media's steps with the collection's workflow: a step that is new or whose
    config hash changed re-runs, with the steps that wait for it; a media whose extraction options
    (``transcribe``, ``ocr``) changed is reprocessed (extracted again, then every step runs).
    Without ``rerun_changed`` nothing is queued: the answer says what would run."""
    workflow = get_workflow(rt, tenant_id, collection)
    if workflow.default:
        raise Conflict(f"collection {collection!r} has no workflow: put one first")
    default = get_workflow_default_plan(rt, collection)
    out = Applied(workflow.version, reextract=[], steps={}, jobs=[], dry_run=not rerun_changed)
    with rt.catalog.read_session() as s:
        media = step_rows.media_in_collection(s, tenant_id, collection)
    for media_id, _ in media:
        out.media += 1
        with rt.catalog.session() as s:
            rows = {row.step_key: row for row in step_rows.media_steps(s, media_id)}
            ran = {key: row.config_hash for key, row in rows.items()} or {
                step.key: step.config_hash for step in default.steps
            }
            if ran.get(INGEST) != workflow.plan.ingest.config_hash:
                assert out.reextract is not None
                out.reextract.append(media_id)
                continue
            changed = _changed(workflow.plan, ran)
            for key in changed:
                assert out.steps is not None
                out.steps[key] = out.steps.get(key, 0) + 1
            if not rerun_changed:
                continue
            _replan(s, tenant_id, media_id, workflow, changed, rows)
            queued = step_jobs.queue_ready(s, tenant_id, media_id, rt.settings.max_attempts)
        assert out.jobs is not None
        for job_id in queued:
            lifecycle.submit(rt, job_id)
        out.jobs += queued
    if rerun_changed:
        for media_id in out.reextract or []:
            assert out.jobs is not None
            out.jobs.append(lifecycle.reprocess(rt, tenant_id, media_id).id)
    return out


def get_workflow_default_plan(rt: Runtime, collection: str) -> Plan:
    text = yaml.safe_dump(default_document(rt, collection), sort_keys=False)
    return build_plan(read_source(text), None)


def _changed(plan: Plan, ran: dict[str, str]) -> list[str]:
    """The steps to run again: new or changed config, then (transitively) the steps waiting for them."""
    changed = {s.key for s in plan.steps if s.key != INGEST and ran.get(s.key) != s.config_hash}
    grew = True
    while grew:
        grew = False
        for step in plan.steps:
            if step.key not in changed and changed.intersection(step.needs):
                changed.add(step.key)
                grew = True
    return [s.key for s in plan.steps if s.key in changed]


def _replan(
    s: Session, tenant_id: str, media_id: str, workflow: Workflow, changed: list[str], rows: dict[str, Any]
) -> None:
    keys = [step.key for step in workflow.plan.steps]
    step_rows.delete_steps(s, media_id, keep=keys)
    for step in workflow.plan.steps:
        row = rows.get(step.key)
        if step.key in changed or row is None:
            # a step the media has no row for, and that did not change, ran inside its default ingest
            status = "waiting" if step.key in changed else "succeeded"
            step_rows.put_step(
                s,
                tenant_id,
                media_id,
                key=step.key,
                name=step.name,
                config=step.config,
                config_hash=step.config_hash,
                needs=step.needs,
                workflow_version=workflow.version,
                status=status,
            )
        else:
            row.workflow_version, row.needs = workflow.version, list(step.needs)
    repo.get_media(s, tenant_id, media_id).workflow_version = workflow.version
