"""What a media's own subtitle tracks give its transcript (``settings.subtitle_tracks``).

A film or a talk exported with subtitles carries what is said, timed by a person: read from the file
in a pass over its packets (``media/subtitle_tracks.py``), it costs a fraction of a second where
speech recognition costs a fifth of the media's length or more. So with ``transcript`` (the default)
a full track in the audio's language *is* the transcript and speech is not recognised. Where the
audio's language is not tagged (most files), the preferred full track is, if every language Whisper
hears in the audio's first stretches of speech (a quick guess on each, ~0.1 s of CPU) is one of its
cues': neither a translation nor one language of a talk that switches stands for what is said. A
*forced* track, which holds only some lines, never is. Beside it, one track of each of English and
Spanish (the two languages search evens out between) is indexed too: an English film's Spanish
subtitles answer a Spanish query in its own words. ``index`` indexes the same tracks and recognises
speech as well; ``ignore`` reads none. Subtitle files uploaded beside the media (``talk.es.srt``
sent with ``talk.mp4``) are tracks too, their language and forced flag read from their names, and
come before the file's own.

Of several tracks of one language the one kept is, in order: not forced, the file's default, not
for the hearing impaired, the most cues. A track without a language tag gets the one its words
vote for (``enrich.language.detect_language``), else none, and so does each of its cues that says
enough to tell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mediasift.asr.base import RawSegment
from mediasift.enrich.language import BILINGUAL, detect_language
from mediasift.extract.subtitles import cues
from mediasift.media.subtitle_tracks import Cue, SubtitleTrack, read_subtitle_tracks, sidecar_track
from mediasift.store.base import subtitles_prefix

if TYPE_CHECKING:
    from mediasift.extract.base import ExtractContext

MODEL = "subtitles"  # the transcript's "model" where a subtitle track gave it
_SAMPLE_CHARS = 4000  # of an untagged track's words, for its language


@dataclass(slots=True)
class Track:
    """One track chosen to be indexed: its cues as timed parts in its language."""

    source: SubtitleTrack
    language: str  # ISO 639-1, or "" when neither tagged nor told by its words
    parts: list[RawSegment] = field(default_factory=list)

    def describe(self, transcript: bool) -> dict[str, object]:
        """What the media's metadata says of the track."""
        return {
            "stream": self.source.index if self.source.file is None else None,
            "file": self.source.file,
            "codec": self.source.codec,
            "language": self.language or None,
            "title": self.source.title,
            "forced": self.source.forced,
            "cues": len(self.parts),
            "transcript": transcript,
        }


@dataclass(slots=True)
class Reading:
    transcript: Track | None = None  # stands for speech recognition
    others: list[Track] = field(default_factory=list)  # indexed beside the transcript
    # The audio's language is not tagged and the transcript's cues have one: it stands for
    # recognition only if the audio speaks no other (``heard``), else it may be a translation.
    check_audio: bool = False

    def heard(self, spoken: set[str]) -> None:
        """Keep the transcript if every language ``spoken`` in the audio's first stretches of
        speech is one of its cues' (none heard: nothing to lose), else index it beside recognised
        speech, as the others: a translation, or one language of a talk that switches."""
        if self.transcript is None or spoken <= {p.language for p in self.transcript.parts if p.language}:
            return
        if self.transcript.language in BILINGUAL:
            self.others.insert(0, self.transcript)
        self.transcript = None


def read_tracks(ctx: ExtractContext) -> Reading:
    """The tracks of ``ctx``'s file to index, per ``ctx.settings.subtitle_tracks``; none when
    speech is not asked for (a workflow without ``transcribe``): subtitles stand in for it."""
    policy = ctx.settings.subtitle_tracks
    if policy == "ignore" or not ctx.speech:
        return Reading()
    found = read_subtitle_tracks(ctx.path)
    candidates = _sidecars(ctx) + [t for t in found.tracks if t.text and t.cues]
    best: dict[str, Track] = {}
    for source in sorted(candidates, key=_preference):
        language = source.language or _told(source)
        best.setdefault(language, Track(source, language))
    if not best:
        return Reading()
    transcript = None
    full = [t for t in best.values() if not t.source.forced]
    if policy == "transcript" and full:
        if found.audio_language:
            transcript = next((t for t in full if t.language == found.audio_language), None)
        else:
            transcript = full[0]  # the most preferred: they are in order
    others = [t for t in best.values() if t is not transcript and t.language in BILINGUAL]
    for track in [transcript, *others] if transcript else others:
        track.parts = _parts(track)
    check = transcript is not None and not found.audio_language and any(p.language for p in transcript.parts)
    return Reading(transcript, others, check)


def _parts(track: Track) -> list[RawSegment]:
    """The track's cues as timed parts: each in the track's tagged language, or, untagged, in
    the one its own words vote for (a talk's subtitles follow its speaker from English into
    Spanish), else the track's."""
    tagged = track.source.language is not None
    return [
        RawSegment(
            start_s=round(cue.start_s, 3),
            end_s=round(cue.end_s, 3),
            text=cue.text,
            language=track.language if tagged else detect_language(cue.text) or track.language,
            confidence=1.0,
        )
        for cue in track.source.cues
    ]


def _sidecars(ctx: ExtractContext) -> list[SubtitleTrack]:
    """The subtitle files uploaded beside the media (``services/ingest``), as tracks."""
    prefix = subtitles_prefix(ctx.tenant_id, ctx.media_id)
    tracks = []
    for key in sorted(ctx.store.list(prefix)):
        name = key[len(prefix) :]
        parts = cues(ctx.store.get_bytes(key).decode("utf-8", errors="replace"))
        found = [Cue(p.start_s, p.end_s, p.text) for p in parts]
        if found:
            tracks.append(sidecar_track(name, found))
    return tracks


def _preference(track: SubtitleTrack) -> tuple[bool, bool, bool, bool, int]:
    # A file sent beside the media was chosen by its owner for it: before the file's own tracks.
    return (track.forced, track.file is None, not track.default, track.hearing_impaired, -len(track.cues))


def _told(track: SubtitleTrack) -> str:
    sample, size = [], 0
    for cue in track.cues:
        sample.append(cue.text)
        size += len(cue.text)
        if size >= _SAMPLE_CHARS:
            break
    return detect_language(" ".join(sample)) or ""
