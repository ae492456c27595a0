"""The job of one workflow step (``JobType.STEP``): what each step does for a media once its
ingest made it ready. Every step reads what ingest stored — segments, keyframes, the original for
quality and conversions — and never extracts again.

- ``enrich``: entities, keywords and summary (the parts asked for) on the media's enrichment row;
- ``classify``: labels from one taxonomy (or every one), replacing only that taxonomy's labels;
- ``quality``: measured from the original, stored on the media;
- ``nutrition``: the nutrition analysis (``services/nutrition.py``);
- ``convert``: one conversion (``services/conversions.py``), made by this job; a target the
  media's kind has not is skipped, and one already made for the same bytes is reused;
- ``when``: its condition over the media's fields; when it holds, its ``then`` labels are added
  (and a label it added before is removed when it no longer holds); skipped when it does not;
- ``index``: the media's index points rebuilt to carry its labels, entities, keywords and quality;
- ``notify``: one ``media.workflow_done`` delivery to the named webhook, with every step's status.

A failure raises, so the step's job retries and, out of attempts, dead-letters alone.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from mediasift.catalog import conversions as conversion_rows
from mediasift.catalog import enrichments, repo
from mediasift.catalog import quality as stored_quality
from mediasift.catalog import steps as step_rows
from mediasift.catalog import webhooks as webhook_rows
from mediasift.convert.targets import ConversionInvalid, cache_key, resolve
from mediasift.domain import MediaStatus
from mediasift.enrich.media import classify_media, enrich_media, index_terms
from mediasift.errors import Conflict, NotFound
from mediasift.jobs import notify
from mediasift.services import conversions, enrichment, nutrition
from mediasift.services import quality as quality_service
from mediasift.services.reindex import ReindexReport, reindex_media
from mediasift.workflow.expression import parse_condition

if TYPE_CHECKING:
    from mediasift.catalog.models import Media
    from mediasift.enrich.taxonomy import Taxonomy
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.workflows")
Progress = Callable[[str, float], None]
WORKFLOW_DONE = "media.workflow_done"


def run_step(rt: Runtime, job_id: str, progress: Progress) -> None:
    with rt.catalog.read_session() as s:
        step = step_rows.by_job(s, job_id)
        if step is None:
            raise NotFound(f"job {job_id} runs no workflow step")
        key, name, config = step.step_key, step.name, dict(step.config)
        tenant_id, media_id = step.tenant_id, step.media_id
        media = repo.get_media(s, tenant_id, media_id)
        if media.status != MediaStatus.READY.value:
            raise Conflict(f"media {media_id} is {media.status}; its steps run once it is ready")
    progress(key, 0.0)
    runner = _RUNNERS.get(name)
    if runner is None:
        raise NotFound(f"unknown workflow step {name!r}")
    result, skipped = runner(rt, _Step(job_id, key, config, tenant_id, media_id), progress)
    with rt.catalog.session() as s:
        step_rows.record_result(s, job_id, result, skipped=skipped)
    progress(key, 1.0)


class _Step:
    def __init__(self, job_id: str, key: str, config: dict[str, Any], tenant_id: str, media_id: str) -> None:
        self.job_id, self.key, self.config = job_id, key, config
        self.tenant_id, self.media_id = tenant_id, media_id


Outcome = tuple[dict[str, Any], bool]  # (result, skipped)


def _enrich(rt: Runtime, step: _Step, progress: Progress) -> Outcome:
    rows = _segments(rt, step)
    with rt.catalog.read_session() as s:
        language = repo.get_media(s, step.tenant_id, step.media_id).language
    tenant = step.tenant_id
    found = enrichment.record(
        enrich_media(rows, {}, enrichment.embedder(rt, tenant), language, enrichment.passages(rt, tenant))
    )
    parts = set(step.config.get("parts") or ())
    values = {name: found[name] if name in parts else [] for name in ("summary", "keywords", "entities")}
    values.update(languages=found["languages"], notes=found["notes"], models=found["models"])
    with rt.catalog.session() as s:
        enrichments.save_fields(s, step.tenant_id, step.media_id, values)
    return {name: len(values[name]) for name in parts}, False


def _classify(rt: Runtime, step: _Step, progress: Progress) -> Outcome:
    taxonomies = enrichment.tenant_taxonomies(rt, step.tenant_id)
    wanted = step.config.get("taxonomy")
    if wanted is not None:
        if wanted not in taxonomies:
            raise NotFound(f"taxonomy {wanted!r} not found (the workflow names it)")
        taxonomies = {wanted: taxonomies[wanted]}
    labels = classify_media(_segments(rt, step), taxonomies, enrichment.embedder(rt, step.tenant_id))
    names = set(taxonomies)
    with rt.catalog.session() as s:
        row = enrichments.get_enrichment(s, step.tenant_id, step.media_id)
        kept = [x for x in (row.labels if row else []) if x.get("taxonomy") not in names]
        kept_segments = {
            seg: [x for x in found if x.get("taxonomy") not in names]
            for seg, found in ((row.segment_labels if row else None) or {}).items()
        }
        for seg, found_labels in labels.segments.items():
            kept_segments.setdefault(seg, []).extend(x.to_dict() for x in found_labels)
        media_labels = kept + [x.to_dict() for x in labels.media]
        enrichments.save_fields(
            s,
            step.tenant_id,
            step.media_id,
            {"labels": media_labels, "segment_labels": {k: v for k, v in kept_segments.items() if v}},
        )
    return {"labels": [f"{x.taxonomy}:{x.label}" for x in labels.media]}, False


def _quality(rt: Runtime, step: _Step, progress: Progress) -> Outcome:
    measured = quality_service.measure(rt, step.tenant_id, step.media_id)
    return {"overall": measured.get("overall")}, False


def _nutrition(rt: Runtime, step: _Step, progress: Progress) -> Outcome:
    results = nutrition.analyse_media(rt, step.tenant_id, step.media_id, progress)
    return {"foods": len(results.get("foods") or [])}, False


def _convert(rt: Runtime, step: _Step, progress: Progress) -> Outcome:
    with rt.catalog.read_session() as s:
        media = repo.get_media(s, step.tenant_id, step.media_id)
        try:
            asked, options = step.config["to"], step.config.get("options")
            target, options = resolve(media.kind or "", media.mime, asked, options)
        except ConversionInvalid as exc:  # a target (or options) this kind of media has not
            return {"reason": exc.message}, True
        made_from = conversions.source_identity(s, media, target)
    with rt.catalog.session() as s:
        conversion, done = conversion_rows.adopt(
            s,
            step.tenant_id,
            step.media_id,
            job_id=step.job_id,
            target=target.name,
            options=options,
            cache_key=cache_key(made_from, target, options),
            mime=target.mime,
        )
        conversion_id = conversion.id
    if not done:
        conversions.run(rt, step.job_id, progress)
    return {"conversion_id": conversion_id, "reused": done}, False


def _when(
    rt: Runtime, step: _Step, progress: Progress, taxonomies: Mapping[str, Taxonomy] | None = None
) -> Outcome:
    """``taxonomies``: the tenant's, where the caller has read them (a relabel), else read here."""
    condition = parse_condition(step.config["when"])
    with rt.catalog.read_session() as s:
        media = repo.get_media(s, step.tenant_id, step.media_id)
        row = enrichments.get_enrichment(s, step.tenant_id, step.media_id)
        values = media_fields(media, enrichment.stored_record(row))
    holds = condition.holds(values)
    if holds:
        _labels_still_exist(
            step, enrichment.tenant_taxonomies(rt, step.tenant_id) if taxonomies is None else taxonomies
        )
    with rt.catalog.session() as s:
        row = enrichments.get_enrichment(s, step.tenant_id, step.media_id)
        labels = [x for x in (row.labels if row else []) if x.get("by") != step.key]
        added = []
        if holds:
            held = {(x.get("taxonomy"), x.get("label")) for x in labels}
            for action in step.config["then"]:
                label = action["label"]
                added.append(f"{label['taxonomy']}:{label['value']}")
                if (label["taxonomy"], label["value"]) in held:
                    continue  # classified so already: the media has the label once
                held.add((label["taxonomy"], label["value"]))
                entry = {"taxonomy": label["taxonomy"], "label": label["value"], "score": 1.0, "by": step.key}
                labels.append(entry)
        enrichments.save_fields(s, step.tenant_id, step.media_id, {"labels": labels})
    return {"matched": holds, "labels": added}, not holds


def rules_on_labels_again(
    rt: Runtime, tenant_id: str, media_id: str, taxonomies: Mapping[str, Taxonomy]
) -> None:
    """The media's ``when`` steps whose condition reads ``labels``, evaluated again on the labels
    a relabel just gave it, in plan order: a rule that no longer holds takes its labels back, one
    that now holds adds them (a taxonomy put again had left "review:kitchen-material" on media no
    longer labelled "temas:cooking", and nothing could run the rule again). Rules on anything else
    keep what they concluded. A rule whose labels' taxonomy is gone is left as it was."""
    with rt.catalog.read_session() as s:
        rules = [
            (row.step_key, dict(row.config), row.job_id or "")
            for row in step_rows.media_steps(s, media_id)
            if row.name == "when" and row.status in ("succeeded", "skipped")
        ]
    for key, config, job_id in rules:
        if "labels" not in parse_condition(config["when"]).fields:
            continue
        try:
            step = _Step(job_id, key, config, tenant_id, media_id)
            result, skipped = _when(rt, step, lambda *_: None, taxonomies)
        except NotFound as exc:
            log.warning("media %s: rule %s not evaluated again: %s", media_id, key, exc.message)
            continue
        with rt.catalog.session() as s:
            step_rows.record_rerun(s, media_id, key, result, skipped=skipped)


def _labels_still_exist(step: _Step, taxonomies: Mapping[str, Taxonomy]) -> None:
    """The labels a ``when`` step adds were checked against the tenant's taxonomies when the
    workflow was put; a taxonomy deleted since, or put again without the label, fails the step
    (as a ``classify`` step naming a deleted taxonomy does) rather than labelling the media with
    a term no taxonomy holds."""
    for action in step.config["then"]:
        taxonomy, value = action["label"]["taxonomy"], action["label"]["value"]
        if taxonomy not in taxonomies:
            raise NotFound(f"taxonomy {taxonomy!r} not found (the workflow's {step.key} step labels with it)")
        if value not in taxonomies[taxonomy].names:
            raise NotFound(
                f"taxonomy {taxonomy!r} has no label {value!r} any more "
                f"(the workflow's {step.key} step adds it)"
            )


def media_fields(media: Media, stored: dict[str, Any]) -> dict[str, Any]:
    """The fields a ``when`` condition reads (``workflow.expression.FIELDS``) of one media."""
    quality = media.quality or {}
    labels, entities, keywords = index_terms(
        stored.get("labels") or [], stored.get("entities") or [], stored.get("keywords") or []
    )
    values: dict[str, Any] = {
        "kind": media.kind,
        "duration": media.duration_s,
        "collection": media.collection,
        "filename": media.filename,
        "language": media.language,
        "pages": media.pages,
        "width": media.width,
        "height": media.height,
        "bytes": media.bytes,
        "quality.overall": quality.get("overall"),
        "quality.reasons": [r.get("measure") for r in quality.get("reasons") or []],
        "labels": list(labels),
        "entities": list(entities),
        "keywords": list(keywords),
    }
    for name, value in (media.meta or {}).items():
        if isinstance(value, str | int | float | bool):
            values[f"metadata.{name}"] = value
    return values


def _index(rt: Runtime, step: _Step, progress: Progress) -> Outcome:
    report = ReindexReport()
    reindex_media(rt, step.tenant_id, step.media_id, report)
    rt.invalidate_tenant(step.tenant_id)
    return {"points": report.segments}, False


def _notify(rt: Runtime, step: _Step, progress: Progress) -> Outcome:
    name = step.config["webhook"]
    with rt.catalog.read_session() as s:
        hook = webhook_rows.webhook_by_name(s, step.tenant_id, name)
        if hook is None:
            raise NotFound(f"no webhook named {name!r} (the workflow's notify step names it)")
        media = repo.get_media(s, step.tenant_id, step.media_id)
        steps = [
            {"key": row.step_key, "status": row.status, "error": row.error, "result": row.result}
            for row in step_rows.media_steps(s, step.media_id)
            if row.step_key != step.key
        ]
        hook_id = hook.id
        data = {
            "tenant": step.tenant_id,
            "media_id": step.media_id,
            "filename": media.filename,
            "collection": media.collection,
            "workflow_version": media.workflow_version,
            "quality": stored_quality.get_quality(s, step.tenant_id, step.media_id),
            "steps": steps,
        }
    delivery = notify.deliver(rt, step.tenant_id, hook_id, WORKFLOW_DONE, data)
    return {"delivery_id": delivery}, False


def _segments(rt: Runtime, step: _Step) -> list[Any]:
    rows = enrichment.ready_segments(rt, step.tenant_id, step.media_id)
    if rows is None:
        raise Conflict(f"media {step.media_id} is not ready")
    return rows


_RUNNERS: dict[str, Callable[[Runtime, _Step, Progress], Outcome]] = {
    "enrich": _enrich,
    "classify": _classify,
    "quality": _quality,
    "nutrition": _nutrition,
    "convert": _convert,
    "when": _when,
    "index": _index,
    "notify": _notify,
}
