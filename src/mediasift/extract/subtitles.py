"""Subtitle files (SubRip ``.srt``, WebVTT ``.vtt``) read as the timed transcripts they are.

Read as plain text, a subtitle file's cue numbers and timing lines were indexed as words beside
what is said, and a hit could not say when. Each cue becomes one timed part, with its styling
(``<i>``, ``<c.yellow>``, a karaoke timestamp ``<00:00:01.000>``, an SSA override ``{\\an8}``) left
out and a cue repeating the one before (roll-up captions) read once; the parts are grouped into
chunks as speech is (``extract/transcripts.build_chunks``: 15-30 s, a chunk never spans a long
pause), so a hit points at the second its words are said and an answer cites its sentence's own.
Blocks that are not cues (WebVTT's header, ``NOTE``, ``STYLE`` and ``REGION`` blocks, damaged ones)
are skipped; a file with no cue at all is read as plain text.
"""

from __future__ import annotations

import re

from mediasift.asr.base import RawSegment
from mediasift.domain import Modality
from mediasift.extract.base import ExtractContext, Extraction
from mediasift.extract.transcripts import build_chunks
from mediasift.media.subtitle_format import CUE_TIMES, cue_words


def cues(text: str) -> list[RawSegment]:
    """Each cue of a SubRip or WebVTT ``text`` as a timed part (language unknown: ``""``), in order
    of time."""
    out: list[RawSegment] = []
    for block in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = block.strip("\n").split("\n")
        # The times sit on the block's first line, or its second after a cue number or identifier.
        at = next((i for i, line in enumerate(lines[:2]) if CUE_TIMES.match(line)), None)
        if at is None:
            continue
        times = CUE_TIMES.match(lines[at])
        assert times is not None
        start, end = _seconds(*times.groups()[:4]), _seconds(*times.groups()[4:])
        words = cue_words("\n".join(lines[at + 1 :]))
        if not words or (out and words == out[-1].text and start <= out[-1].end_s + 0.5):
            continue  # an empty cue, or a roll-up caption's repeat
        out.append(RawSegment(start_s=start, end_s=max(start, end), text=words, language="", confidence=1.0))
    return sorted(out, key=lambda cue: cue.start_s)


def _seconds(hours: str | None, minutes: str, seconds: str, fraction: str) -> float:
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + int(fraction.ljust(3, "0")) / 1000


def subtitle_extraction(ctx: ExtractContext, text: str) -> Extraction | None:
    """The cues of a subtitle file as timed ``text`` segments; None when it holds no cue."""
    parts = cues(text)
    if not parts:
        return None
    extraction = Extraction(
        info={"metadata": {"characters": sum(len(p.text) for p in parts), "cues": len(parts)}}
    )
    extraction.segments.extend(
        ctx.segment(
            "text",
            Modality.TEXT,
            chunk.text,
            start_s=chunk.start_s,
            end_s=chunk.end_s,
            meta={"parts": chunk.parts_meta(with_words=False)},
        )
        for chunk in build_chunks(parts)
    )
    return extraction
