"""Conversions as a service: asked for by the API or the CLI, made by a convert job on the queue.

``request(rt, tenant, media_id, to, options)`` checks what can be checked at once (the target and
options for this kind of media: ``ConversionInvalid`` 422; a media not yet probed, an original
deleted by retention, a media with no transcript or not yet ready: 409; LibreOffice missing: 501)
and then finds the tenant's conversion with the same (source, target, options) — the cache; the
source is the original's sha256, and for text and subtitles what extraction stored too — or
records a new one with its job and sends the job. ``run(rt, job_id, progress)`` is the job: it
writes the output to a temporary file, streams it to the store under
``processed/{tenant}/{media}/conversions/{id}{ext}``, and records it. Whatever the output fails
on (a corrupt source, a limit) fails that job alone, with the error's code.
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mediasift.catalog import conversions as rows
from mediasift.catalog import repo
from mediasift.convert import structure, transcripts
from mediasift.convert.files import convert_file
from mediasift.convert.targets import PDF_MIME, ConversionInvalid, Target, cache_key, resolve, targets_for
from mediasift.domain import MediaStatus
from mediasift.errors import Conflict, LimitExceeded, UnsupportedMedia
from mediasift.jobs import lifecycle
from mediasift.media import office
from mediasift.services.retention import original_deleted
from mediasift.store.base import CONVERSIONS, processed_key

if TYPE_CHECKING:
    from mediasift.catalog.db import Session
    from mediasift.catalog.models import Conversion, Job, Media
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.conversions")
TRANSCRIPT = "transcript.json"


@dataclass(frozen=True, slots=True)
class Requested:
    conversion: Conversion
    job: Job
    duplicate: bool  # the same conversion had been asked for before: this is that one


def request(rt: Runtime, tenant_id: str, media_id: str, to: str, options: dict[str, Any] | None) -> Requested:
    with rt.catalog.session() as s:
        media = repo.get_media(s, tenant_id, media_id)
        kind, mime, status = media.kind, media.mime, media.status
        duration_s, pages = media.duration_s, media.pages
        if kind is None:
            raise Conflict(f"media {media_id} has not been probed yet: convert it once its job has run")
        target, canonical = resolve(kind, mime, to, options)
        made_from = source_identity(s, media, target)
    page = canonical.get("page")
    if target.family == "page" and page is not None and pages is not None and int(page) > pages:
        raise ConversionInvalid(f"options.page: page {page} asked for; the document has {pages}")
    start = canonical.get("start")
    if start is not None and duration_s is not None and float(start) >= duration_s:
        # Known now: a job could only die of it (a clip's), or write an empty file (subtitles').
        raise ConversionInvalid(
            f"options.start: {float(start):g} s is past the end of the media ({duration_s:.2f} s)"
        )
    _check_can_run(rt, tenant_id, media_id, target, status, mime)
    with rt.catalog.session() as s:
        conversion, job, created = rows.find_or_add(
            s,
            tenant_id,
            media_id,
            target=target.name,
            options=canonical,
            cache_key=cache_key(made_from, target, canonical),
            mime=target.mime,
            max_attempts=rt.settings.max_attempts,
        )
        s.flush()
        s.expunge_all()  # the rows outlive the session, read-only
    if created:
        lifecycle.submit(rt, job.id)
    return Requested(conversion, job, duplicate=not created)


def source_identity(s: Session, media: Media, target: Target) -> str:
    """What a conversion of ``media`` to ``target`` is made from, for its cache key: the
    original's sha256; for a target made from the catalog (a transcript's subtitles, a document's
    text and Markdown), that and a digest of what extraction stored, so that a media extracted
    again (another language, OCR turned on) is converted again rather than answered with the
    text it had before. The same extraction gives the same digest."""
    if target.reads_original:
        return media.sha256
    digest = hashlib.sha256(rows.segments_digest(s, media.tenant_id, media.id).encode())
    if target.family == "text":  # its header and outline are the media's
        extracted = (media.meta or {}).get("extracted") or {}
        outline, items = extracted.get("outline"), extracted.get("list_items")
        facts = [media.filename, media.language, media.pages, outline, items]
        digest.update(json.dumps(facts, sort_keys=True, default=str).encode())
    return f"{media.sha256}:{digest.hexdigest()}"


def _check_can_run(
    rt: Runtime, tenant_id: str, media_id: str, target: Target, status: str, mime: str | None
) -> None:
    if target.reads_original and original_deleted(rt, media_id):
        raise Conflict(
            f"media {media_id}: its original was deleted by retention; upload it again to convert it"
        )
    if target.family == "text" and status != MediaStatus.READY.value:
        raise Conflict(f"media {media_id} is {status}: its text can be converted once it is ready")
    if target.family == "transcript" and not rt.store.exists(processed_key(tenant_id, media_id, TRANSCRIPT)):
        raise Conflict(f"media {media_id} has no transcript (yet): it is {status}")
    needs_office = target.family == "pdf" or (target.family == "page" and mime != PDF_MIME)
    if needs_office and office.available(rt.settings) is None:
        raise office.missing(rt.settings)  # said now, rather than by a job that can only fail


def list_conversions(rt: Runtime, tenant_id: str, media_id: str) -> list[tuple[Conversion, Job | None]]:
    with rt.catalog.read_session() as s:
        repo.get_media(s, tenant_id, media_id)
        found = rows.media_conversions(s, tenant_id, media_id)
        s.expunge_all()
    return found


def get_conversion(
    rt: Runtime, tenant_id: str, media_id: str, conversion_id: str
) -> tuple[Conversion, Job | None]:
    from mediasift.catalog import jobs as job_rows

    with rt.catalog.read_session() as s:
        conversion = rows.get_conversion(s, tenant_id, media_id, conversion_id)
        job = job_rows.find_job(s, conversion.job_id)
        s.expunge_all()
    return conversion, job


@dataclass(frozen=True, slots=True)
class Output:
    key: str  # in the object store
    mime: str
    filename: str  # to save it as: the media's name with the target's extension


def output(rt: Runtime, tenant_id: str, media_id: str, conversion_id: str) -> Output:
    """Where a finished conversion's file lies; 409 while its job has not written it."""
    conversion, job = get_conversion(rt, tenant_id, media_id, conversion_id)
    if conversion.key is None:
        state = job.status if job is not None else "gone"
        raise Conflict(f"conversion {conversion_id} has no file: its job is {state}")
    with rt.catalog.read_session() as s:
        stem = Path(repo.get_media(s, tenant_id, media_id).filename).stem or media_id
    return Output(conversion.key, conversion.mime, stem + Path(conversion.key).suffix)


# -- the job ---------------------------------------------------------------------------------------


def run(rt: Runtime, job_id: str, progress: Callable[[str, float], None]) -> None:
    """Make the conversion of a convert job (idempotent: a re-run writes the same key again)."""
    progress("convert", 0.0)
    with rt.catalog.session() as s:
        conversion = rows.by_job(s, job_id)
        media = repo.get_media(s, conversion.tenant_id, conversion.media_id)
        target = targets_for(media.kind or "", media.mime).get(conversion.target)
        if target is None:  # reprocessing found another kind (an MP4 of sound only is audio)
            raise UnsupportedMedia(f"a {media.kind} has no {conversion.target} conversion")
        options, conversion_id = dict(conversion.options), conversion.id
        tenant_id, media_id = conversion.tenant_id, conversion.media_id
        original_key, mime, filename, kind = media.original_key, media.mime, media.filename, media.kind
    key = processed_key(tenant_id, media_id, f"{CONVERSIONS}{conversion_id}{target.ext}")
    with tempfile.TemporaryDirectory(prefix="mediasift-convert-") as tmp:
        dest = Path(tmp) / f"output{target.ext}"
        if target.family == "transcript":
            data, info = transcripts.render(
                target.name,
                rt.store.get_bytes(processed_key(tenant_id, media_id, TRANSCRIPT)),
                options,
                filename,
            )
            dest.write_bytes(data)
        elif target.family == "text":
            info = _write_structure(rt, tenant_id, media_id, target, dest, filename, kind or "", mime)
        else:
            with rt.store.local_path(original_key) as source:
                info = convert_file(
                    target, source, mime, dest, options, rt.settings, lambda f: progress("convert", 0.95 * f)
                )
        size = dest.stat().st_size
        if size > rt.settings.convert_max_output_bytes:
            raise LimitExceeded(
                f"the output is {size} bytes; the limit of one conversion is "
                f"{rt.settings.convert_max_output_bytes}"
            )
        progress("store", 0.95)
        with dest.open("rb") as stream:
            rt.store.put_stream(key, stream, target.mime)
    with rt.catalog.session() as s:
        rows.record_output(s, conversion_id, key, size, info)
    log.info("conversion %s of media %s to %s: %d bytes", conversion_id, media_id, target.name, size)


def _write_structure(
    rt: Runtime,
    tenant_id: str,
    media_id: str,
    target: Target,
    dest: Path,
    filename: str,
    kind: str,
    mime: str | None,
) -> dict[str, Any]:
    with rt.catalog.session() as s:
        media = repo.get_media(s, tenant_id, media_id)
        extracted = (media.meta or {}).get("extracted") or {}
        outline, items = extracted.get("outline") or [], extracted.get("list_items") or []
        header = {
            "media_id": media_id,
            "filename": filename,
            "kind": kind,
            "mime": mime,
            "pages": media.pages,
            "language": media.language,
        }
        parts = structure.sections(repo.media_segments(s, tenant_id, media_id))
    slides = bool(mime and mime.endswith("presentationml.presentation"))
    if target.name == "txt":
        text = structure.to_txt(parts)
    elif target.name == "md":
        text = structure.to_markdown(parts, filename, slides=slides, outline=outline, items=items)
    else:
        text = structure.to_json(parts, header)
    dest.write_text(text, encoding="utf-8")
    return {"sections": len(parts), "tables": sum(len(p.tables) for p in parts), "characters": len(text)}
