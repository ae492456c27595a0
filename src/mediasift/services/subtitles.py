"""The subtitle files kept beside a media's original, after its upload: listed, added, removed.

A video or audio file can be uploaded with its subtitle files (``services/ingest``), but a file
that came another way (a direct upload, a bucket event, a duplicate of one uploaded before) or
whose subtitles turned up later needs them added to the media it is. Adding or removing them runs
the media's pipeline again (``lifecycle.reprocess``), which reads them as tracks as it would have
at the upload (``extract/subtitle_tracks.py``): the transcript they give replaces the recognised
one, or is indexed beside it, as ``MEDIASIFT_SUBTITLE_TRACKS`` says.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, NamedTuple

from mediasift.catalog import repo
from mediasift.catalog.steps import lock_media
from mediasift.errors import Conflict, InvalidRequest, NotFound
from mediasift.media.subtitle_tracks import sidecar_name, sidecar_track
from mediasift.services.ingest import MAX_SUBTITLE_FILES, subtitle_files
from mediasift.services.media import reprocess_media
from mediasift.services.retention import original_deleted
from mediasift.store.base import subtitle_sources_key, subtitles_prefix

if TYPE_CHECKING:
    from mediasift.catalog.models import Job
    from mediasift.runtime import Runtime

# What a media can hold subtitles for; None: not probed yet (its job has not run), taken on trust.
_TIMED_KINDS = (None, "video", "audio")


@dataclass(frozen=True, slots=True)
class SubtitleFile:
    """A kept file: its stored name ("01.es.forced.srt") and what the name says."""

    name: str
    language: str | None
    forced: bool
    hearing_impaired: bool
    format: str  # srt | vtt
    # The language its last reading found: the name's, else told by its words; None until read
    read_language: str | None = None

    @classmethod
    def named(cls, name: str) -> SubtitleFile:
        track = sidecar_track(name, [])  # what the pipeline reads from the same name
        return cls(
            name,
            track.language,
            track.forced,
            track.hearing_impaired,
            "vtt" if track.codec == "webvtt" else "srt",
        )


def list_subtitles(rt: Runtime, tenant_id: str, media_id: str) -> list[SubtitleFile]:
    with rt.catalog.read_session() as s:
        meta = repo.get_media(s, tenant_id, media_id).meta or {}  # another tenant's is not found
    tracks = (meta.get("extracted") or {}).get("subtitle_tracks") or []
    read = {t.get("file"): t.get("language") for t in tracks if isinstance(t, dict) and t.get("file")}
    return [replace(f, read_language=read.get(f.name)) for f in _kept(rt, tenant_id, media_id)]


class Added(NamedTuple):
    files: list[SubtitleFile]  # every file the media keeps now
    job: Job | None  # the pipeline running again; None: nothing changed
    names: list[str]  # what each file sent is kept as, in the order sent


def add_subtitles(
    rt: Runtime,
    tenant_id: str,
    media_id: str,
    files: Sequence[tuple[str, bytes]],
    *,
    replacing: Sequence[str] = (),
) -> Added:
    """Keep ``files`` (filename, bytes) beside the media's original, after those it has, and run
    its pipeline again; every file is checked before any is kept. A file the media has already is
    kept once. ``replacing``: kept files that these are new versions of (a bucket's object written
    again), removed unless they hold the same text."""
    if not files:
        raise InvalidRequest("send one or more 'subtitles' file parts (SubRip or WebVTT)")
    with rt.catalog.read_session() as s:
        media = repo.get_media(s, tenant_id, media_id)
        kind, filename = media.kind, media.filename
    if kind not in _TIMED_KINDS:
        raise InvalidRequest(f"{filename} is a {kind}: subtitles go with a video or an audio file")
    _reprocessable(rt, media_id)
    checked = subtitle_files(files)  # every file checked before any is kept
    prefix = subtitles_prefix(tenant_id, media_id)
    # The media's row is held while its files are read and numbered: two requests adding files at
    # once would otherwise both number theirs from the same count, the later overwriting.
    with rt.catalog.session() as s:
        lock_media(s, media_id)
        kept = _kept(rt, tenant_id, media_id)
        texts = {f.name: rt.store.get_bytes(prefix + f.name).decode("utf-8", "replace") for f in kept}
        sent_texts = {text for _, text in checked}
        replaced = [n for n in replacing if n in texts and texts[n] not in sent_texts]
        held = {text: name for name, text in texts.items() if name not in replaced}
        number = 1 + max((int(f.name[:2]) for f in kept), default=-1)
        names: list[str] = []
        new: list[tuple[str, str]] = []
        for sent, text in checked:
            if text not in held:
                held[text] = sidecar_name(number, sent, text)
                number += 1
                new.append((held[text], text))
            names.append(held[text])
        if not new and not replaced:
            return Added(kept, None, names)
        if len(kept) - len(replaced) + len(new) > MAX_SUBTITLE_FILES:
            raise InvalidRequest(
                f"at most {MAX_SUBTITLE_FILES} subtitle files beside a media; it has {len(kept)}"
            )
        for name in replaced:
            rt.store.delete(prefix + name)
        for name, text in new:
            rt.store.put_bytes(prefix + name, text.encode(), "text/plain; charset=utf-8")
    return Added(_kept(rt, tenant_id, media_id), reprocess_media(rt, tenant_id, media_id), names)


def remove_subtitles(rt: Runtime, tenant_id: str, media_id: str, names: Sequence[str] | None = None) -> Job:
    """Drop the subtitle files kept beside the media as ``names`` (None: every one) and run its
    pipeline again without them; ``NotFound`` for a name it does not keep."""
    with rt.catalog.read_session() as s:
        repo.get_media(s, tenant_id, media_id)
    _reprocessable(rt, media_id)
    prefix = subtitles_prefix(tenant_id, media_id)
    with rt.catalog.session() as s:
        lock_media(s, media_id)  # not between another request's listing and its writes
        kept = {f.name for f in _kept(rt, tenant_id, media_id)}
        if not kept:
            raise NotFound(f"media {media_id} has no subtitle files")
        if names is None:
            rt.store.delete_prefix(prefix)
        else:
            if missing := [n for n in names if n not in kept]:
                raise NotFound(f"media {media_id} keeps no subtitle file {missing[0]!r}")
            for name in names:
                rt.store.delete(prefix + name)
    return reprocess_media(rt, tenant_id, media_id)


def subtitle_sources(rt: Runtime, tenant_id: str, media_id: str) -> dict[str, tuple[str, str | None]]:
    """Kept file name → (source URI, S3 sequencer or None) of the subtitle files that came with
    the media's source: a bucket's objects beside it, or the files an upload naming a ``source``
    sent with it (``services/versions.py``); a file added another way (the API) is not in it, and
    stays when the source's files change."""
    key = subtitle_sources_key(tenant_id, media_id)
    if not rt.store.exists(key):
        return {}
    return {name: (uri, seq) for name, (uri, seq) in json.loads(rt.store.get_bytes(key)).items()}


def remember_subtitle_sources(
    rt: Runtime, tenant_id: str, media_id: str, changes: dict[str, tuple[str, str | None] | None]
) -> None:
    """Record (or, for None, forget) where kept subtitle files came from."""
    with rt.catalog.session() as s:
        lock_media(s, media_id)  # two objects' events at once each add their own
        sources = subtitle_sources(rt, tenant_id, media_id)
        for name, source in changes.items():
            if source is None:
                sources.pop(name, None)
            else:
                sources[name] = source
        rt.store.put_bytes(
            subtitle_sources_key(tenant_id, media_id), json.dumps(sources).encode(), "application/json"
        )


def _kept(rt: Runtime, tenant_id: str, media_id: str) -> list[SubtitleFile]:
    prefix = subtitles_prefix(tenant_id, media_id)
    return [SubtitleFile.named(key[len(prefix) :]) for key in sorted(rt.store.list(prefix))]


def _reprocessable(rt: Runtime, media_id: str) -> None:
    # checked before the files change: the pipeline that reads them needs the original
    if original_deleted(rt, media_id):
        raise Conflict(f"media {media_id}: its original was deleted by retention; upload it again")
