"""How a subtitle file is told apart from other text: SubRip (``.srt``) and WebVTT (``.vtt``), by
their first lines, the timing line of each cue (``extract/subtitles.py`` reads the cues), and a
cue's words without its styling (a file's cues and a container's subtitle tracks alike)."""

from __future__ import annotations

import html
import re

from mediasift.text_form import searchable

SUBTITLE_EXTENSIONS = (".srt", ".vtt")
# The files a subtitle file can go with, by their extension (a folder's or a bucket's names).
TIMED_EXTENSIONS = frozenset({
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".ts", ".m2ts", ".mts", ".flv", ".wmv", ".mpg",
    ".mpeg", ".mp3", ".wav", ".m4a", ".ogg", ".oga", ".opus", ".flac", ".mka",
})  # fmt: skip

SRT_MIME, VTT_MIME = "application/x-subrip", "text/vtt"
MIMES = frozenset({SRT_MIME, VTT_MIME})

_TIME = r"(?:(\d{1,3}):)?(\d{1,2}):(\d{2})[,.](\d{1,3})"
_ARROW = rf"[ \t]*{_TIME}[ \t]*-->[ \t]*{_TIME}"
# A cue's timing line: its start and end, each as (hours or None, minutes, seconds, milliseconds).
CUE_TIMES = re.compile(rf"^{_ARROW}")
_VTT_START = re.compile(r"\A\ufeff?WEBVTT(?:[ \t]|\r?\n|\Z)")  # WebVTT's signature
_SRT_START = re.compile(rf"\A\ufeff?\s*\d+[ \t]*\r?\n{_ARROW}")  # SubRip's first cue: its number, its times


def subtitle_mime(text: str) -> str | None:
    """``VTT_MIME`` or ``SRT_MIME`` when ``text`` (a file's start) is a subtitle file, else None."""
    if _VTT_START.match(text):
        return VTT_MIME
    if _SRT_START.match(text):
        return SRT_MIME
    return None


# A cue's styling: HTML-like tags (``<i>``, ``<c.yellow>``, a karaoke timestamp ``<00:00:01.000>``)
# and SSA/ASS override blocks (``{\\an8}``, ``{\\i1}``).
_STYLING = re.compile(r"<[^>\n]*>|\{\\[^}\n]*\}")


def cue_words(said: str) -> str:
    """A cue's lines as searchable words on one line, styling and entities resolved."""
    lines = (html.unescape(_STYLING.sub("", line)) for line in said.split("\n"))
    return " ".join(searchable(" ".join(lines)).split())
