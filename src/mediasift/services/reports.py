"""Reports: what one media, or a whole collection, is about, as JSON, Markdown or self-contained HTML.

A report is built as one JSON document (schema ``mediasift.report/1``:
``docs/schemas/report-v1.schema.json``, described in ``docs/reports.md``); Markdown and HTML are
renderings of that document (``report_markdown.py``, ``report_html.py``). Every place in a media
(a summary sentence, an entity's occurrence, a keyframe) carries the web UI's link to it
(``report_links.player_link``), absolute when the server's address is known.

Reports are made on demand, and each one made is also written to the object store under
``processed/{tenant}/reports/`` (``store.base.report_key``), replacing the previous one of that
media or collection in that format, so a bucket holds every tenant's latest reports.

Bounds: a media report inlines at most ``MAX_KEYFRAMES`` pictures; a collection report lists at most
``limit`` media (``MAX_COLLECTION_LIMIT``), read from the catalog a page at a time, inlines a
thumbnail for the first ``COLLECTION_THUMBNAILS`` of them, and says when it stopped short
(``truncated``). Its totals always count the whole collection.
"""

from __future__ import annotations

import io
import json
import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mediasift.catalog import enrichments, repo
from mediasift.catalog import reports as catalog_reports
from mediasift.domain import Filters, JobStatus, JobType, MediaStatus, entity_term, keyword_term, utc_text
from mediasift.errors import InvalidRequest, MediasiftError, NotFound
from mediasift.services import facets
from mediasift.services.report_html import collection_html, media_html
from mediasift.services.report_links import artifact_url, player_link
from mediasift.services.report_markdown import collection_markdown, media_markdown
from mediasift.store.base import processed_key, report_key

if TYPE_CHECKING:
    from mediasift.catalog.models import Job, Media
    from mediasift.catalog.reports import Keyframe, MediaAbout
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.reports")

SCHEMA = "mediasift.report/1"
MEDIA_TYPES = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
FORMATS = tuple(MEDIA_TYPES)
MAX_KEYFRAMES = 12  # pictures of one media, spread evenly over it
KEYFRAME_PX = 240  # long side of an inlined keyframe (JPEG)
DEFAULT_COLLECTION_LIMIT = 1000
MAX_COLLECTION_LIMIT = 10_000
COLLECTION_PAGE = 500  # media read from the catalog at a time
COLLECTION_THUMBNAILS = 100  # media of a collection report whose thumbnail is inlined
THUMBNAIL_PX = 160
TOP = 10  # labels, entities and keywords across a collection
PER_MEDIA = 5  # entities and keywords of each media in a collection report


@dataclass(frozen=True, slots=True)
class Rendered:
    """A report in one format (``fmt``): its bytes, its HTTP content type and the store key it was
    written to."""

    fmt: str
    body: bytes
    media_type: str
    key: str


def media_report_file(
    rt: Runtime, tenant_id: str, media_id: str, fmt: str, base_url: str | None = None
) -> Rendered:
    """One media's report in ``fmt`` (json, md or html), written to the store. ``NotFound`` for a
    media that is not the tenant's."""
    _check(fmt)
    report = media_report(rt, tenant_id, media_id, base_url)
    if fmt == "md":
        text = media_markdown(report)
    elif fmt == "html":
        keys = {f["artifact"]: processed_key(tenant_id, media_id, f["artifact"]) for f in report["keyframes"]}
        text = media_html(report, inline_pictures(rt, keys, KEYFRAME_PX))
    else:
        text = json.dumps(report, ensure_ascii=False, indent=2)
    return _stored(rt, report_key(tenant_id, "media", media_id, fmt), fmt, text)


def collection_report_file(
    rt: Runtime,
    tenant_id: str,
    collection: str,
    fmt: str,
    base_url: str | None = None,
    limit: int = DEFAULT_COLLECTION_LIMIT,
) -> Rendered:
    """A collection's report in ``fmt``, written to the store. ``NotFound`` when the tenant has no
    media in that collection."""
    _check(fmt)
    report = collection_report(rt, tenant_id, collection, base_url, limit)
    if fmt == "md":
        text = collection_markdown(report)
    elif fmt == "html":
        listed = report["media"][:COLLECTION_THUMBNAILS]
        keys = {m["id"]: processed_key(tenant_id, m["id"], "thumb.jpg") for m in listed}
        text = collection_html(report, inline_pictures(rt, keys, THUMBNAIL_PX))
    else:
        text = json.dumps(report, ensure_ascii=False, indent=2)
    return _stored(rt, report_key(tenant_id, "collections", collection, fmt), fmt, text)


def media_report(rt: Runtime, tenant_id: str, media_id: str, base_url: str | None = None) -> dict[str, Any]:
    """The JSON document of one media's report (``SCHEMA``, type ``media``)."""
    with rt.catalog.read_session() as s:
        m = repo.get_media(s, tenant_id, media_id)
        row = enrichments.get_enrichment(s, tenant_id, media_id)
        # Its processing is its reading: a relabel or a nutrition job since is not what it says
        job = repo.latest_job(s, media_id, (JobType.INGEST, JobType.REPROCESS))
        frames = catalog_reports.keyframes(s, tenant_id, media_id)
        at = Places(media_id, base_url)
        report: dict[str, Any] = {
            **_header("media", base_url),
            "media": _media(m, job, base_url),
            "languages": list(row.languages) if row else [],
            "summary": [at.sentence(x) for x in (row.summary if row else [])],
            "keywords": list(row.keywords) if row else [],
            "labels": list(row.labels) if row else [],
            "entities": [_entity(e, at) for e in (row.entities if row else [])],
            "notes": list(row.notes) if row else [],
            "enrichment": (
                {"models": list(row.models), "error": row.error, "updated_at": _iso(row.updated_at)}
                if row
                else None
            ),
            "job": _job(job),
            "quality": _quality(m.quality),
        }
    own = processed_key(tenant_id, media_id, "")
    frames = [f for f in frames if f.frame_key.startswith(own)]  # never another media's objects
    report["keyframes_total"] = len(frames)
    report["keyframes"] = [_keyframe(f, media_id, own, base_url) for f in spread(frames, MAX_KEYFRAMES)]
    if not frames and rt.store.exists(processed_key(tenant_id, media_id, "thumb.jpg")):
        report["keyframes"] = [_picture(media_id, "thumb.jpg", None, None, None, base_url)]
    return report


def collection_report(
    rt: Runtime,
    tenant_id: str,
    collection: str,
    base_url: str | None = None,
    limit: int = DEFAULT_COLLECTION_LIMIT,
) -> dict[str, Any]:
    """The JSON document of a collection's report (``SCHEMA``, type ``collection``): totals over
    all its media, what its ready media are about most, and its ``limit`` newest media."""
    if not 1 <= limit <= MAX_COLLECTION_LIMIT:
        raise InvalidRequest(f"limit must be between 1 and {MAX_COLLECTION_LIMIT}, got {limit}")
    with rt.catalog.read_session() as s:
        totals = catalog_reports.collection_totals(s, tenant_id, collection)
    if totals.media == 0:
        raise NotFound(f"collection {collection} not found (this tenant has no media in it)")
    listed: list[dict[str, Any]] = []
    spellings = Spellings()
    before: str | None = None
    while len(listed) < limit:
        asked = min(COLLECTION_PAGE, limit - len(listed))
        with rt.catalog.read_session() as s:
            page = catalog_reports.collection_media_page(
                s, tenant_id, collection, before_id=before, limit=asked
            )
            listed += [_listed(item, Places(item.media.id, base_url)) for item in page]
        for item in page:
            spellings.add(item)
        if len(page) < asked:
            break
        before = page[-1].media.id
    return {
        **_header("collection", base_url),
        "collection": collection,
        "totals": {
            "media": totals.media,
            "by_kind": totals.by_kind,
            "by_state": totals.by_state,
            "duration_s": round(totals.duration_s, 3),
            "pages": totals.pages,
        },
        **_top(rt, tenant_id, collection, spellings),
        "listed": len(listed),
        "truncated": len(listed) < totals.media,
        "media": listed,
    }


def inline_pictures(rt: Runtime, keys: Mapping[str, str], max_side: int) -> dict[str, bytes]:
    """Small JPEGs (``max_side`` pixels at most) of the stored pictures ``keys`` names, by name;
    a missing or unreadable picture is left out."""
    from PIL import Image

    from mediasift.media.images import thumbnail_jpeg

    out = {}
    for name, key in keys.items():
        try:
            with Image.open(io.BytesIO(rt.store.get_bytes(key))) as img:
                out[name] = thumbnail_jpeg(img.convert("RGB"), max_side=max_side, quality=70)
        except (OSError, MediasiftError) as exc:
            log.info("report: picture %s left out: %s", key, exc)
    return out


def spread(items: list[Keyframe], count: int) -> list[Keyframe]:
    """At most ``count`` of ``items``, evenly spaced from the first to the last."""
    if len(items) <= count:
        return list(items)
    if count == 1:
        return items[:1]
    return [items[round(i * (len(items) - 1) / (count - 1))] for i in range(count)]


def state(media_status: str, job_status: str | None) -> str:
    """``ready``, ``processing``, ``dead`` (failed, its job out of attempts or permanently refused)
    or ``failed`` (e.g. cancelled)."""
    if media_status == MediaStatus.READY.value:
        return "ready"
    if media_status in (MediaStatus.PENDING.value, MediaStatus.PROCESSING.value):
        return "processing"
    return "dead" if job_status == JobStatus.DEAD.value else "failed"


def _check(fmt: str) -> str:
    if fmt not in MEDIA_TYPES:
        raise InvalidRequest(f"unknown report format {fmt!r}: one of {', '.join(FORMATS)}")
    return fmt


def _stored(rt: Runtime, key: str, fmt: str, text: str) -> Rendered:
    body = text.encode()
    rt.store.put_bytes(key, body, MEDIA_TYPES[fmt])
    return Rendered(fmt, body, MEDIA_TYPES[fmt], key)


def _header(kind: str, base_url: str | None) -> dict[str, Any]:
    return {
        "schema": SCHEMA,
        "type": kind,
        "generated_at": _iso(datetime.now(UTC)),
        "base_url": base_url.rstrip("/") if base_url else None,
    }


def _iso(when: datetime | None) -> str | None:
    """ISO 8601 in UTC (the catalog reads every time back aware: ``catalog.models.UtcDateTime``)."""
    return None if when is None else utc_text(when)


def _media(m: Media, job: Job | None, base_url: str | None) -> dict[str, Any]:
    return {
        "id": m.id,
        "filename": m.filename,
        "collection": m.collection,
        "kind": m.kind,
        "mime": m.mime,
        "status": m.status,
        "state": state(m.status, job.status if job else None),
        "error": m.error,
        "bytes": m.bytes,
        "duration_s": m.duration_s,
        "pages": m.pages,
        "width": m.width,
        "height": m.height,
        "language": m.language,
        "created_at": _iso(m.created_at),
        "url": player_link(base_url, m.id),
    }


def _quality(quality: dict[str, Any] | None) -> dict[str, Any] | None:
    """The score and its reasons (docs/quality.md); the measures stay on the media's API object."""
    if not quality:
        return None
    return {"overall": quality.get("overall"), "reasons": list(quality.get("reasons") or [])}


def _job(job: Job | None) -> dict[str, Any] | None:
    if job is None:
        return None
    return {
        "id": job.id,
        "type": job.type,
        "status": job.status,
        "stage": job.stage,
        "attempts": job.attempts or 0,
        "max_attempts": job.max_attempts,
        "error": job.error,
        "error_code": job.error_code,
        "created_at": _iso(job.created_at),
        "finished_at": _iso(job.finished_at),
    }


@dataclass(frozen=True, slots=True)
class Places:
    """Places in one media as a report writes them: the segment, its second or page, and the web
    UI's link there. The second is the one enrichment stored: in speech, the recogniser's part that
    says the words (``enrich/seconds.py``), not the 15-30 s segment's start."""

    media_id: str
    base_url: str | None

    def at(self, x: Mapping[str, Any]) -> dict[str, Any]:
        start_s, page, segment_id = x.get("start_s"), x.get("page"), x.get("segment_id")
        return {
            "segment_id": segment_id,
            "start_s": start_s,
            "page": page,
            "url": player_link(self.base_url, self.media_id, start_s, page, segment_id),
        }

    def sentence(self, x: Mapping[str, Any]) -> dict[str, Any]:
        return {"text": x["text"], **self.at(x)}


def _entity(e: Mapping[str, Any], at: Places) -> dict[str, Any]:
    occurrences = [at.at(o) for o in e.get("occurrences") or []]
    return {"text": e["text"], "type": e["type"], "occurrences": occurrences}


def _keyframe(frame: Keyframe, media_id: str, own: str, base_url: str | None) -> dict[str, Any]:
    name = frame.frame_key[len(own) :]
    return _picture(media_id, name, frame.segment_id, frame.start_s, frame.page, base_url)


def _picture(
    media_id: str,
    name: str,
    segment_id: str | None,
    start_s: float | None,
    page: int | None,
    base_url: str | None,
) -> dict[str, Any]:
    return {
        "artifact": name,
        "artifact_url": artifact_url(base_url, media_id, name),
        "segment_id": segment_id,
        "start_s": start_s,
        "page": page,
        "url": player_link(base_url, media_id, start_s, page, segment_id),
    }


def _listed(item: MediaAbout, at: Places) -> dict[str, Any]:
    """One media of a collection report: what it is about in brief, and how its processing went."""
    m, job = item.media, item.job
    entities = []
    for e in item.entities[:PER_MEDIA]:
        occurrences = e.get("occurrences") or []
        first = at.at(occurrences[0])["url"] if occurrences else None
        entities.append({"text": e["text"], "type": e["type"], "mentions": len(occurrences), "url": first})
    return {
        "id": m.id,
        "filename": m.filename,
        "kind": m.kind,
        "status": m.status,
        "state": state(m.status, job.status if job else None),
        "error": m.error,
        "duration_s": m.duration_s,
        "pages": m.pages,
        "languages": list(item.languages) or ([m.language] if m.language else []),
        "created_at": _iso(m.created_at),
        "url": player_link(at.base_url, m.id),
        "summary": [at.sentence(x) for x in item.summary],
        "labels": list(item.labels),
        "entities": entities,
        "keywords": [{"text": k["text"], "score": k["score"]} for k in item.keywords[:PER_MEDIA]],
        "enrichment_error": item.enrichment_error,
        "job": _job(job),
    }


def _top(rt: Runtime, tenant_id: str, collection: str, spellings: Spellings) -> dict[str, Any]:
    """The labels, entities and keywords most of the collection's ready media carry (as
    ``/v1/facets`` counts them), each with the value its search filter takes."""
    only = Filters(collections=[collection])
    counted = {f: facets.count(rt, tenant_id, f, only, TOP) for f in ("labels", "entities", "keywords")}
    labels, entities, keywords = (counted[f].values for f in ("labels", "entities", "keywords"))
    return {
        "counted_media": counted["labels"].media,
        "top_labels": [
            {"taxonomy": value.split(":", 1)[0], "label": value.split(":", 1)[1], "media": n, "filter": value}
            for value, n in labels
        ],
        "top_entities": [
            {"type": value.split(":", 1)[0], "text": spellings.entity(value), "media": n, "filter": value}
            for value, n in entities
        ],
        "top_keywords": [
            {"text": spellings.keyword(value), "media": n, "filter": value} for value, n in keywords
        ],
    }


class Spellings:
    """How the listed media write each entity and keyword: facets count casefolded terms, a report
    shows each term as its media most often write it ("Microsoft", not "microsoft")."""

    def __init__(self) -> None:
        self._entities: dict[str, Counter[str]] = {}
        self._keywords: dict[str, Counter[str]] = {}

    def add(self, item: MediaAbout) -> None:
        for e in item.entities:
            self._entities.setdefault(entity_term(e["type"], e["text"]), Counter())[e["text"]] += 1
        for k in item.keywords:
            self._keywords.setdefault(keyword_term(k["text"]), Counter())[k["text"]] += 1

    def entity(self, term: str) -> str:
        """The spelling of ``TYPE:casefolded text``; the casefolded text when no listed media has it."""
        found = self._entities.get(term)
        return found.most_common(1)[0][0] if found else term.split(":", 1)[1]

    def keyword(self, term: str) -> str:
        found = self._keywords.get(term)
        return found.most_common(1)[0][0] if found else term
