"""Subtitle tracks inside an audio or video file (MKV's SubRip and ASS, MP4's ``mov_text``,
WebM's WebVTT), read as timed cues in one pass over the file's packets.

Only text tracks are read; picture-based ones (DVD, Blu-ray PGS, DVB) hold bitmaps and are listed
without cues. Each track keeps its language tag (ISO 639-2 ``eng`` read as ``en``; ``und`` and
an absent tag as None), whether it is *forced* (only the lines a viewer would not otherwise
understand, e.g. a sign in another language) and whether it is for the hearing impaired. The
packets of the other streams are skipped unread, so a film costs what reading its bytes costs.

A track's cues are bounded (``MAX_CUES``); a damaged packet is skipped, its track kept.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import av

from mediasift.media.probe import audio_stream, open_media
from mediasift.media.subtitle_format import SUBTITLE_EXTENSIONS, VTT_MIME, cue_words, subtitle_mime

log = logging.getLogger(__name__)

# Text subtitle codecs FFmpeg decodes to dialogue lines.
TEXT_CODECS = frozenset({"subrip", "srt", "ass", "ssa", "mov_text", "webvtt", "text", "microdvd", "jacosub"})
# A feature film has ~1,500-2,500 cues; a track past this many is cut here (memory stays bounded).
MAX_CUES = 20_000
_FORCED = 0x40  # AV_DISPOSITION_FORCED
_HEARING_IMPAIRED = 0x80  # AV_DISPOSITION_HEARING_IMPAIRED
_DEFAULT = 0x1  # AV_DISPOSITION_DEFAULT

# ISO 639-2 (bibliographic and terminology) codes of the languages most often tagged, as ISO 639-1,
# the codes speech recognition and the rest of mediasift use.
_ISO_639_1 = {
    "eng": "en", "spa": "es", "fre": "fr", "fra": "fr", "ger": "de", "deu": "de", "ita": "it",
    "por": "pt", "dut": "nl", "nld": "nl", "rus": "ru", "jpn": "ja", "chi": "zh", "zho": "zh",
    "kor": "ko", "ara": "ar", "pol": "pl", "swe": "sv", "nor": "no", "nob": "nb", "dan": "da",
    "fin": "fi", "tur": "tr", "cat": "ca", "glg": "gl", "baq": "eu", "eus": "eu", "hin": "hi",
    "heb": "he", "gre": "el", "ell": "el", "cze": "cs", "ces": "cs", "hun": "hu", "rum": "ro",
    "ron": "ro", "ukr": "uk", "vie": "vi", "tha": "th", "ind": "id", "may": "ms", "msa": "ms",
}  # fmt: skip
_UNTAGGED = {"", "und", "mul", "zxx", "mis", "unk"}
_KNOWN = frozenset(_ISO_639_1.values())


@dataclass(frozen=True, slots=True)
class Cue:
    start_s: float
    end_s: float
    text: str  # its lines joined by spaces, styling left out (``subtitle_format.cue_words``)


@dataclass(slots=True)
class SubtitleTrack:
    index: int  # the stream's index in the file
    codec: str
    language: str | None  # ISO 639-1 from the track's tag; None when untagged
    title: str | None = None
    default: bool = False
    forced: bool = False
    hearing_impaired: bool = False
    cues: list[Cue] = field(default_factory=list)
    cut: bool = False  # more than MAX_CUES: the rest was not read
    file: str | None = None  # a subtitle file uploaded beside the media (``sidecar_name``), not a stream

    @property
    def text(self) -> bool:
        """Whether the track holds text (its cues were read), not pictures."""
        return self.codec in TEXT_CODECS


@dataclass(slots=True)
class SubtitleTracks:
    tracks: list[SubtitleTrack] = field(default_factory=list)
    audio_language: str | None = None  # the first audio track's language tag, as ISO 639-1


def language_code(tag: str | None) -> str | None:
    """ISO 639-1 for a stream's language tag (``eng``, ``en``, ``en-US``); None when untagged or
    unknown."""
    tag = (tag or "").strip().lower().replace("_", "-").split("-")[0]
    if tag in _UNTAGGED:
        return None
    if len(tag) == 2 and tag.isalpha():
        return tag
    return _ISO_639_1.get(tag)


def sidecar_name(n: int, filename: str, text: str) -> str:
    """The name a subtitle file sent beside a media is kept under: its running number, then what
    its filename says as players read it ("talk.es.srt", "talk.spa.forced.srt", "talk.en.sdh.vtt":
    language, forced, for the hearing impaired), then its format: "01.es.forced.srt". A filename
    naming no language gives "und"."""
    words = filename.lower().split(".")[1:-1]  # between the stem and the extension
    language = next((code for w in reversed(words) if (code := _named_language(w))), "und")
    flags = [
        flag
        for flag in ("forced", "sdh")
        if flag in words or (flag == "sdh" and ("cc" in words or "hi" in words))
    ]
    extension = "vtt" if subtitle_mime(text) == VTT_MIME else "srt"
    return ".".join([f"{n:02d}", language, *flags, extension])


def sidecar_track(name: str, cues: list[Cue]) -> SubtitleTrack:
    """The track of a subtitle file kept as ``name`` (``sidecar_name``), holding ``cues``."""
    words = name.split(".")
    return SubtitleTrack(
        index=-1,
        codec="webvtt" if words[-1] == "vtt" else "subrip",
        language=None if words[1] == "und" else words[1],
        forced="forced" in words[2:-1],
        hearing_impaired="sdh" in words[2:-1],
        cues=cues,
        file=name,
    )


_FLAG_WORDS = frozenset({"forced", "sdh", "cc", "hi"})


def subtitle_stem(filename: str) -> str | None:
    """The name of the media a subtitle file goes with, as players pair them, lowercase and
    without its extension ("talk.part2.es.forced.srt" → "talk.part2"); None for a file that is
    not SubRip or WebVTT by its name, or names nothing but its language."""
    lowered = filename.lower()
    if not lowered.endswith(SUBTITLE_EXTENSIONS):
        return None
    words = lowered.split(".")[:-1]
    while len(words) > 1 and (words[-1] in _FLAG_WORDS or _named_language(words[-1])):
        words.pop()
    return ".".join(words) or None


def _named_language(word: str) -> str | None:
    """The ISO 639-1 code a filename's word names, only a known one ("es", "spa", "en-us"): a
    film's "2019" or a part's "ii" names none."""
    code = language_code(word)
    return code if code in _KNOWN else None


def read_subtitle_tracks(path: Path) -> SubtitleTracks:
    """The subtitle tracks of ``path`` with the cues of each text one; none when the file has no
    subtitle stream (then nothing past its header is read)."""
    with open_media(path) as container:
        audio = audio_stream(container)
        found = SubtitleTracks(
            audio_language=language_code(audio.metadata.get("language")) if audio else None
        )
        streams = list(container.streams.subtitles)
        for stream in streams:
            disposition = int(getattr(stream, "disposition", 0))
            context = stream.codec_context
            found.tracks.append(
                SubtitleTrack(
                    index=stream.index,
                    codec=context.name if context is not None else "unknown",
                    language=language_code(stream.metadata.get("language")),
                    title=stream.metadata.get("title") or None,
                    default=bool(disposition & _DEFAULT),
                    forced=bool(disposition & _FORCED),
                    hearing_impaired=bool(disposition & _HEARING_IMPAIRED),
                )
            )
        readable = [s for s, t in zip(streams, found.tracks, strict=True) if t.text]
        try:
            if readable:
                _read_cues(container, readable, {t.index: t for t in found.tracks})
        except av.error.FFmpegError as exc:
            # A file damaged past its header: the cues before the damage are kept, and the
            # audio and video decoders, which read it next, say what is wrong with it.
            log.warning("subtitle tracks of %s read up to a damaged packet: %s", path.name, exc)
    for track in found.tracks:
        track.cues.sort(key=lambda cue: cue.start_s)
    return found


def _read_cues(
    container: av.container.InputContainer,
    streams: Sequence[av.stream.Stream],
    tracks: dict[int, SubtitleTrack],
) -> None:
    for packet in container.demux(*streams):
        track = tracks[packet.stream.index]
        if packet.size == 0 or packet.pts is None or track.cut:
            continue  # a demuxer's flush packet, or a cue with no time
        try:
            subtitles = packet.decode()
        except (av.error.FFmpegError, UnicodeDecodeError) as exc:
            log.warning("subtitle track %d: a cue that does not decode was skipped: %s", track.index, exc)
            continue
        base = packet.time_base or packet.stream.time_base
        start = float(packet.pts * base) if base is not None else 0.0
        length = float(packet.duration * base) if base is not None and packet.duration else 0.0
        for subtitle in subtitles:
            said = _dialogue(subtitle)
            words = cue_words(said) if said else ""
            if not words:
                continue
            previous = track.cues[-1] if track.cues else None
            if previous is not None and previous.text == words and start <= previous.end_s + 0.5:
                continue  # a roll-up caption's repeat
            if len(track.cues) >= MAX_CUES:
                track.cut = True
                break
            track.cues.append(Cue(max(0.0, start), max(start, start + length), words))


def _dialogue(subtitle: object) -> str:
    """The words of one decoded subtitle: an ASS event's dialogue field, or plain text."""
    raw = getattr(subtitle, "dialogue", None)
    if raw is None:
        raw = getattr(subtitle, "text", None)
    if raw is None:
        return ""
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else str(raw)
    # ASS's own line breaks and hard spaces, where the decoder leaves them as written.
    return text.replace("\\N", "\n").replace("\\n", "\n").replace("\\h", " ")
