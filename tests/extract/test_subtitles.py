"""A subtitle file (SubRip, WebVTT) is a timed transcript: its cues' words at their seconds, not its
cue numbers and timing lines as words."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediasift.extract.documents import extract_document
from mediasift.extract.subtitles import cues
from mediasift.media.sniff import sniff

from .imaging_samples import context

# As a subtitle editor writes it: CRLF line ends, italics and a font tag, an SSA position override,
# a two-line cue, an empty cue, and a long pause before the last cue.
SRT = (
    "1\r\n00:00:01,000 --> 00:00:03,500\r\n<i>Welcome to the espresso class.</i>\r\n\r\n"
    '2\r\n00:00:04,000 --> 00:00:07,250\r\n{\\an8}Grind the beans <font color="#ffff00">fine</font>,\r\n'
    "like table salt.\r\n\r\n"
    "3\r\n00:00:07,500 --> 00:00:08,000\r\n\r\n\r\n"
    "4\r\n00:01:10,000 --> 00:01:12,000\r\nThe water should be at 94 degrees &amp; no hotter.\r\n"
)
# WebVTT with what a browser's captions carry besides cues: a header, a style block, a note, cue
# identifiers, cue settings, a voice span, karaoke timestamps and a roll-up caption's repeat.
VTT = """WEBVTT - espresso class

STYLE
::cue { color: yellow }

NOTE recorded in the Madrid studio

intro
00:01.000 --> 00:03.000 align:start position:10%
<v Ana>Bienvenidos a la clase de café.

00:03.000 --> 00:05.000
<00:03.000>Muele el <00:03.500>café fino.

00:05.000 --> 00:06.000
Muele el café fino.

01:02:03.500 --> 01:02:05.000
El agua, a noventa y cuatro grados.
"""


def test_a_subrip_file_is_timed_text_without_its_numbers_and_timing_lines(tmp_path: Path) -> None:
    path = tmp_path / "class.srt"
    path.write_bytes(SRT.encode())
    sniffed = sniff(path, "upload.bin")
    assert (sniffed.kind, sniffed.mime) == ("text", "application/x-subrip")
    extraction = extract_document(context(tmp_path, path, kind="text", mime=sniffed.mime))

    first, last = extraction.segments  # the minute's pause closes the first chunk
    assert first.text == "Welcome to the espresso class. Grind the beans fine, like table salt."
    assert (first.start_s, first.end_s) == (1.0, 7.25)
    assert [p["start_s"] for p in first.meta["parts"]] == [1.0, 4.0]
    assert last.text == "The water should be at 94 degrees & no hotter."
    assert (last.start_s, last.end_s) == (70.0, 72.0)
    assert extraction.info["metadata"]["cues"] == 3


def test_a_webvtt_file_keeps_its_cues_and_leaves_out_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "clase.vtt"
    path.write_text(VTT, encoding="utf-8")
    sniffed = sniff(path, "clase.vtt")
    assert (sniffed.kind, sniffed.mime) == ("text", "text/vtt")

    found = [(c.start_s, c.end_s, c.text) for c in cues(VTT)]
    assert found == [
        (1.0, 3.0, "Bienvenidos a la clase de café."),
        (3.0, 5.0, "Muele el café fino."),
        (3723.5, 3725.0, "El agua, a noventa y cuatro grados."),
    ]
    extraction = extract_document(context(tmp_path, path, kind="text", mime=sniffed.mime))
    text = " ".join(s.text for s in extraction.segments)
    assert "-->" not in text and "STYLE" not in text and "Madrid" not in text and "intro" not in text


@pytest.mark.parametrize(
    "text",
    [
        "Meeting notes\nThe arrow --> points to the next step.\n",
        "12\nbottles of water\n",
        "WEBVTTX is not a signature\n",
    ],
)
def test_other_text_is_not_taken_for_subtitles(tmp_path: Path, text: str) -> None:
    path = tmp_path / "notes.txt"
    path.write_text(text, encoding="utf-8")
    assert sniff(path, "notes.txt").mime == "text/plain"


def test_a_subtitle_file_without_a_readable_cue_is_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "broken.vtt"
    path.write_text("WEBVTT\n\n00:01.000 --> 00:0x.000\nA damaged cue\n", encoding="utf-8")
    sniffed = sniff(path, "broken.vtt")
    extraction = extract_document(context(tmp_path, path, kind="text", mime=sniffed.mime))
    assert "A damaged cue" in extraction.segments[0].text
