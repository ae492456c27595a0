"""Nutrition in the platform: analyse a media on request or after its ingest, keep its results and
the user's corrections, answer ``/v1/media/{id}/nutrition`` and ``/v1/foods``.

The job (``JobType.NUTRITION``, on the same queue as every job) reads what extraction stored —
speech, OCR and text segments, and the keyframes or image labels — never the original: changing
the food table or the parser never re-runs ASR or OCR. Foods seen in keyframes go through the
image model's ImageNet classes (``nutrition/seen.py``); a media with no keyframe loads no image
model, and one in no nutrition collection is never analysed unless asked (no cost).

The food table's name vectors (for the matcher's nearest-name step) are computed once per text
model and kept in the catalog by text hash (``StoredNameVectors``); the matcher, the table and
those vectors load only when a nutrition job or ``/v1/foods`` first needs them.
"""

from __future__ import annotations

import hashlib
import io
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from mediasift.catalog import foods as food_rows
from mediasift.catalog import nutrition as nutrition_rows
from mediasift.catalog import repo
from mediasift.domain import JobType, MediaStatus, beside_the_transcript, utc_text
from mediasift.errors import Conflict, InvalidRequest, NotFound
from mediasift.jobs import lifecycle
from mediasift.nutrition import FoodMatcher, analyse, load_food_table
from mediasift.nutrition.analysis import guess_language
from mediasift.nutrition.corrections import (
    CorrectionInvalid,
    FoodCorrection,
    apply_corrections,
    check,
    check_servings,
    with_food_correction,
    with_servings,
)
from mediasift.nutrition.seen import PictureLabels, seen_foods

if TYPE_CHECKING:
    from mediasift.catalog.models import FoodRow, Job, Media, MediaNutrition, SegmentRow
    from mediasift.embed.cached import CachedTextEmbedder
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.nutrition")
LABELS_PER_FRAME = 5
FRAME_BATCH = 16
_FLOAT32 = np.dtype("<f4")
_seeded: set[str] = set()  # catalog URLs whose food table this process has checked
_seed_lock = threading.Lock()


# -- the food table ------------------------------------------------------------------------------


def ensure_food_table(rt: Runtime) -> None:
    """Seed the catalog's food table with this release's version, once per process."""
    url = rt.settings.resolved_catalog_url
    if url in _seeded:
        return
    with _seed_lock:
        if url in _seeded:
            return
        table = load_food_table()
        with rt.catalog.session() as s:
            written = food_rows.seed_foods(s, table.foods, table.version)
        if written:
            log.info("food table %s seeded: %d rows", table.version, written)
        _seeded.add(url)


def search_foods(rt: Runtime, q: str, limit: int, offset: int) -> list[FoodRow]:
    ensure_food_table(rt)
    with rt.catalog.read_session() as s:
        if not food_rows.fold(q):
            return food_rows.list_foods(s, limit=limit, offset=offset)
        return food_rows.search_foods(s, q, limit=limit, offset=offset)


def get_food(rt: Runtime, food_id: str) -> FoodRow:
    ensure_food_table(rt)
    with rt.catalog.read_session() as s:
        row = food_rows.get_food(s, food_id)
    if row is None:
        raise NotFound(f"no food {food_id!r} in the food table")
    return row


class StoredNameVectors:
    """The matcher's text embedder (``nutrition.matching.NameEmbedder``): queries (a mention's
    words) through the runtime's cached embedder; passages (the table's food names) read from the
    catalog by model and text hash, embedded and stored only when missing — once per model for
    every process, since they are the same public names for every tenant."""

    def __init__(self, rt: Runtime, embedder: CachedTextEmbedder) -> None:
        self.id, self.dim = embedder.id, embedder.dim
        self._rt, self._embedder = rt, embedder

    def embed_query(self, text: str) -> np.ndarray:
        return self._embedder.embed_query(text)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        hashes = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
        with self._rt.catalog.read_session() as s:
            stored = nutrition_rows.name_vectors(s, self.id, hashes)
        missing = list(dict.fromkeys(h for h in hashes if h not in stored))
        if missing:
            text_of = dict(zip(hashes, texts, strict=True))
            fresh = self._embedder.embed_passages([text_of[h] for h in missing])
            encoded = [
                (h, np.asarray(v, dtype=_FLOAT32).tobytes()) for h, v in zip(missing, fresh, strict=True)
            ]
            with self._rt.catalog.session() as s:
                nutrition_rows.save_name_vectors(s, self.id, encoded)
            stored.update(encoded)
        return np.vstack([np.frombuffer(stored[h], dtype=_FLOAT32) for h in hashes])


def food_matcher(rt: Runtime, tenant_id: str) -> FoodMatcher:
    """The matcher with its nearest-name step on the configured text model."""
    return FoodMatcher(embedder=StoredNameVectors(rt, rt.text_embedder(tenant_id, ingest=True)))


# -- when it runs --------------------------------------------------------------------------------


def request_analysis(rt: Runtime, tenant_id: str, media_id: str) -> Job:
    """Queue the analysis (or re-analysis) of a ready media; a job already waiting for it is
    returned instead of a second one. 409 while the media is not ready."""
    with rt.catalog.read_session() as s:
        media = repo.get_media(s, tenant_id, media_id)
        waiting = _waiting_job(s, media_id)
    if media.status != MediaStatus.READY.value:
        raise Conflict(
            f"media {media_id} is {media.status}: its nutrition can be analysed once it is ready"
            + (" (its collection's media are analysed then anyway)" if _automatic(rt, media) else "")
        )
    return waiting or lifecycle.analyse_nutrition(rt, tenant_id, media_id)


def after_ingest(rt: Runtime, tenant_id: str, media_id: str) -> str | None:
    """Queue the analysis of a media just made ready when its collection asks for it
    (``nutrition_collections``) or it was analysed before (a reprocess: its results follow its new
    segments, and its corrections apply to them). Returns the job id, or None."""
    with rt.catalog.read_session() as s:
        media = repo.get_media(s, tenant_id, media_id)
        analysed = nutrition_rows.get_nutrition(s, tenant_id, media_id) is not None
        waiting = _waiting_job(s, media_id)
    if not (_automatic(rt, media) or analysed):
        return None
    return (waiting or lifecycle.analyse_nutrition(rt, tenant_id, media_id)).id


def _automatic(rt: Runtime, media: Media) -> bool:
    return media.collection in rt.settings.nutrition_collections


def _waiting_job(s: Any, media_id: str) -> Job | None:
    job = nutrition_rows.latest_job(s, media_id)
    return job if job is not None and job.status == "queued" else None


# -- the job -------------------------------------------------------------------------------------


def analyse_media(rt: Runtime, tenant_id: str, media_id: str, progress: Callable[[str, float], None]) -> dict:
    """The nutrition job: analyse a ready media from its stored segments and keyframes and store
    the results (corrections are kept apart). Raises ``Conflict`` (retried) while the media is not
    ready, ``NotFound`` once it is gone."""
    progress("nutrition", 0.0)
    with rt.catalog.read_session() as s:
        media = repo.get_media(s, tenant_id, media_id)
        if media.status != MediaStatus.READY.value:
            raise Conflict(f"media {media_id} is {media.status}; its nutrition is analysed once it is ready")
        rows = repo.media_segments(s, tenant_id, media_id)
    ensure_food_table(rt)
    pictures, image_model = _pictures(rt, rows, progress)
    progress("nutrition", 0.6)
    matcher = food_matcher(rt, tenant_id)
    result = analyse(
        # No media-wide language: a segment without its own (a caption, "ARROZ 200 g") is read in
        # the language that finds more foods in it, not in the language most of the speech has.
        _timed_units(rows),
        matcher=matcher,
        seen=seen_foods(pictures),
        media_id=media_id,
    )
    results = result.to_dict()
    if image_model:
        results["model_versions"]["image"] = image_model
    with rt.catalog.session() as s:
        nutrition_rows.save_results(s, tenant_id, media_id, results, results["model_versions"])
    progress("nutrition", 1.0)
    return results


@dataclass(frozen=True)
class _Unit:
    modality: str
    text: str
    start_s: float | None
    end_s: float | None
    language: str | None


def _timed_units(rows: Sequence[SegmentRow]) -> list[Any]:
    """The segments as the analysis reads them: a speech chunk split into its recogniser's timed
    parts, so that each food's evidence carries the second its own sentence is said (a chunk
    spans up to a minute); on-screen text split into its lines; every other segment as it is."""
    units: list[Any] = []
    for row in rows:
        if beside_the_transcript(row.modality, row.meta):
            continue  # a translation of what is said: its foods would count twice
        if row.modality == "ocr" and "\n" in row.text:
            # one line of an on-screen list at a time: "ARROZ 185 g" / "POLLO 200 g", so an
            # amount after one food is never read as the next line's amount before its food
            lines = [line.strip() for line in row.text.splitlines() if line.strip()]
            units.extend(_Unit("ocr", line, row.start_s, row.end_s, row.language) for line in lines)
            continue
        parts = (row.meta or {}).get("parts") if row.modality == "speech" else None
        if not parts:
            units.append(row)
            continue
        for part in parts:
            text = str(part.get("text") or "").strip()
            if text:
                units.append(_Unit("speech", text, part.get("start_s"), part.get("end_s"), row.language))
    return units


def _pictures(
    rt: Runtime, rows: Sequence[SegmentRow], progress: Callable[[str, float], None]
) -> tuple[list[PictureLabels], str | None]:
    """What the image model says each picture of the media shows: a still image's labels as its
    ingest stored them; a video's keyframes (at most ``nutrition_max_frames``, evenly spread) read
    from the store and labelled now. No keyframe: no model is loaded."""
    stills = [row for row in rows if row.modality == "image" and (row.meta or {}).get("labels")]
    pictures = [
        PictureLabels([(str(name), float(p)) for name, p in row.meta["labels"]], frame_key=row.frame_key)
        for row in stills
    ]
    frames = _spread(
        [row for row in rows if row.modality == "frame" and row.frame_key], rt.settings.nutrition_max_frames
    )
    if not frames:
        return pictures, stills[0].meta.get("image_model") if stills else None
    from mediasift.embed.image.factory import get_image_embedder

    embedder = get_image_embedder(rt.models, rt.settings)
    for start in range(0, len(frames), FRAME_BATCH):
        batch = frames[start : start + FRAME_BATCH]
        images = [_open(rt, row.frame_key) for row in batch if row.frame_key]
        labels = embedder.labels([img for img in images if img is not None], k=LABELS_PER_FRAME)
        found = iter(labels)
        for row, image in zip(batch, images, strict=True):
            if image is not None:
                pictures.append(PictureLabels(next(found), row.start_s, row.end_s, row.frame_key))
        progress("nutrition", 0.1 + 0.5 * (start + len(batch)) / len(frames))
    return pictures, embedder.id


def _spread(frames: list[SegmentRow], limit: int) -> list[SegmentRow]:
    """At most ``limit`` of ``frames``, evenly spread from the first to the last."""
    if len(frames) <= limit:
        return frames
    if limit <= 1:
        return frames[:limit]
    return [frames[round(i * (len(frames) - 1) / (limit - 1))] for i in range(limit)]


def _open(rt: Runtime, key: str | None) -> Image.Image | None:
    if key is None or not rt.store.exists(key):
        return None  # retention or a reprocess removed it: the other frames still count
    with Image.open(io.BytesIO(rt.store.get_bytes(key))) as image:
        return image.convert("RGB")


# -- results and corrections ---------------------------------------------------------------------


def get_results(rt: Runtime, tenant_id: str, media_id: str) -> dict[str, Any]:
    """The media's nutrition, corrections applied. 409 while an analysis of it is queued or
    running (or, in a nutrition collection, while the media itself is still processing); 404 when
    it has never been analysed (or its only analysis failed)."""
    with rt.catalog.read_session() as s:
        media = repo.get_media(s, tenant_id, media_id)
        running = nutrition_rows.job_in_flight(s, media_id, [JobType.NUTRITION])
        row = nutrition_rows.get_nutrition(s, tenant_id, media_id)
    if running is not None:
        raise Conflict(
            f"the nutrition of media {media_id} is being analysed (job {running.id}, {running.status}); "
            "ask again when the job has finished"
        )
    if row is None and _automatic(rt, media) and media.status in ("pending", "processing"):
        raise Conflict(f"media {media_id} is still {media.status}; its nutrition is analysed next")
    if row is None:
        raise NotFound(
            f"media {media_id} has not been analysed for nutrition: POST /v1/media/{media_id}/nutrition"
        )
    if row.status == nutrition_rows.FAILED:
        raise NotFound(f"the nutrition analysis of media {media_id} failed ({row.error}); POST to try again")
    return view(row)


def view(row: MediaNutrition) -> dict[str, Any]:
    """A stored row as ``GET /v1/media/{id}/nutrition`` answers it."""
    shown = apply_corrections(row.results, row.corrections or {}, load_food_table())
    shown["status"] = row.status
    shown["analysed_at"] = _iso(row.analysed_at)
    shown["updated_at"] = _iso(row.updated_at)
    shown["error"] = row.error  # the last re-analysis's, when it failed and these results stayed
    return shown


def correct(
    rt: Runtime,
    tenant_id: str,
    media_id: str,
    fix: FoodCorrection | None = None,
    *,
    name: str | None = None,
    servings: int | None = None,
    reset_servings: bool = False,
) -> dict[str, Any]:
    """Record a user's correction of one row (``fix``; ``name``: a food named in words, looked up
    in the table as the parser would) or of the servings, and return the corrected results."""
    get_results(rt, tenant_id, media_id)  # 404 / 409 as GET
    table = load_food_table()
    if name is not None and fix is not None:
        match = FoodMatcher(table).lookup(name, guess_language(name))
        if match.food is None:
            raise InvalidRequest(f"no food named {name!r} in the food table: search GET /v1/foods?q=…")
        fix = FoodCorrection(fix.key, match.food.food_id, fix.amount_g, fix.removed, fix.reset)
    at = utc_text()
    with rt.catalog.session() as s:
        row = nutrition_rows.get_nutrition(s, tenant_id, media_id)
        if row is None:
            raise NotFound(f"media {media_id} has not been analysed for nutrition")
        corrections = dict(row.corrections or {})
        try:
            if fix is not None:
                check(fix, apply_corrections(row.results, corrections, table), table)
                corrections = with_food_correction(corrections, fix, at)
            if servings is not None:
                check_servings(servings)
            if servings is not None or reset_servings:
                corrections = with_servings(corrections, servings, at)
        except CorrectionInvalid as exc:
            raise InvalidRequest(str(exc)) from None
        nutrition_rows.save_corrections(row, corrections)
        return view(row)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else utc_text(value)
