"""Quality assessment in the platform: measured at ingest, stored on the media, re-measured on demand.

``assess_extracted`` is the pipeline's ``quality`` stage: it measures the original that extraction
just read, with the segments extraction just made, and returns the media's ``quality`` object (the
pipeline measures an audio or video signal while extraction runs: ``quality.measure_signal``, its
speech from recognition's own voice activity pass: ``quality.with_speech``). A
failure is a value here, as for enrichment: logged, the media gets no quality, the ingest goes on.
``measure`` does the same for a media already in the catalog (made before quality existed, or after
a rule changed): the original from the store, the segments from the catalog; it raises ``Conflict``
when retention deleted the original. ``services.reindex`` measures and rebuilds the media's index
points together (``measure_quality``; ``reindex(quality=True)`` for every media not measured by
this version). The object is ``quality.Quality.to_json()`` plus ``version``
(``quality.VERSION``) and ``measured_at``.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mediasift.catalog import quality as stored
from mediasift.catalog import repo
from mediasift.domain import Modality, Segment, utc_text
from mediasift.errors import Conflict, MediasiftError, UnsupportedMedia
from mediasift.quality import VERSION, assess, with_speech
from mediasift.services.near_duplicates import near_duplicates_of_hash

if TYPE_CHECKING:
    from PIL import Image

    from mediasift.asr.vad import Heard
    from mediasift.runtime import Runtime

log = logging.getLogger("mediasift.quality")


def assess_extracted(
    rt: Runtime,
    tenant_id: str,
    media_id: str,
    kind: str,
    path: Path,
    segments: list[Segment],
    info: dict[str, Any],
    signal: Future[dict[str, Any]] | None = None,
    picture: Image.Image | None = None,
    heard: Heard | None = None,
) -> dict[str, Any] | None:
    """``signal``: the audio or video signal's measures without its speech
    (``quality.measure_signal(..., speech=False)``), started beside extraction, and ``heard``:
    what speech recognition's voice activity pass saw, which gives the speech measures
    (``quality.with_speech``); measured now when None. ``picture``: the still image extraction
    decoded, measured instead of decoding ``path``."""
    try:
        phash = (info.get("metadata") or {}).get("phash")
        measured = with_speech(signal.result(), path, heard) if signal is not None else None
        return _object(
            rt, tenant_id, media_id, kind, path, segments, {**info, "phash": phash}, measured, picture
        )
    except UnsupportedMedia as exc:  # code: no quality measures, and nothing wrong
        log.debug("quality not measured (%s): %s", kind, exc)
        return None
    except (MediasiftError, ValueError, OSError) as exc:
        log.warning("quality not measured (%s): %s", kind, exc)
        return None
    except Exception:
        # A measure's own failure (OpenCV refusing a 2-pixel-tall frame, say) costs the media its
        # quality, not the segments extraction found; the traceback goes to the log to be fixed.
        log.exception("quality not measured (%s): a measure failed", kind)
        return None


def measure(rt: Runtime, tenant_id: str, media_id: str) -> dict[str, Any]:
    """Measure a catalogued media again from its original and stored segments; store and return it.
    Its index points keep their old score until rebuilt (``reindex.measure_quality`` does both)."""
    with rt.catalog.session() as s:
        media = repo.get_media(s, tenant_id, media_id)
        if media.original_deleted_at is not None:
            raise Conflict("the original was deleted by retention: its quality can no longer be measured")
        if media.status != "ready" or media.kind is None:
            raise Conflict(f"the media is {media.status}: its quality is measured once it is ready")
        kind, key, pages = media.kind, media.original_key, media.pages
        # what extraction said of the file (a PDF cut short, its phash), as at ingest
        extracted = dict((media.meta or {}).get("extracted") or {})
        segments = [_segment(row) for row in repo.media_segments(s, tenant_id, media_id)]
    info = {"pages": pages, "phash": extracted.get("phash"), "metadata": extracted}
    with rt.store.local_path(key) as path:
        quality = _object(rt, tenant_id, media_id, kind, path, segments, info)
    with rt.catalog.session() as s:
        stored.save_quality(s, tenant_id, media_id, quality)
    return quality


def is_current(quality: dict[str, Any] | None) -> bool:
    """Whether a stored quality object was made by the measures and rules of this version."""
    return bool(quality) and (quality or {}).get("version") == VERSION


def get(rt: Runtime, tenant_id: str, media_id: str) -> dict[str, Any] | None:
    with rt.catalog.read_session() as s:
        return stored.get_quality(s, tenant_id, media_id)


def _object(
    rt: Runtime,
    tenant_id: str,
    media_id: str,
    kind: str,
    path: Path,
    segments: list[Segment],
    info: dict[str, Any],
    signal: dict[str, Any] | None = None,
    picture: Image.Image | None = None,
) -> dict[str, Any]:
    quality = assess(kind, path, segments, info, rt.settings.max_pixels, signal, picture)
    if kind == "image":
        # not judged: a copy is not a worse picture, but a library wants to know it has two
        with rt.catalog.read_session() as s:
            media = repo.get_media(s, tenant_id, media_id)
            twins = near_duplicates_of_hash(s, media, info.get("phash"))
        quality.measures["near_duplicates"] = [t["media_id"] for t in twins]
    result = quality.to_json()
    result["version"] = VERSION
    result["measured_at"] = utc_text(timespec="seconds")
    return result


def _segment(row: Any) -> Segment:
    return Segment(
        id=row.id,
        media_id=row.media_id,
        tenant_id=row.tenant_id,
        modality=Modality(row.modality),
        text=row.text,
        start_s=row.start_s,
        end_s=row.end_s,
        page=row.page,
        language=row.language,
        confidence=row.confidence,
    )
