"""An RTF document (TextEdit's default, older Word's) is read as its text, not its markup."""

from __future__ import annotations

from pathlib import Path

from mediasift.extract.documents import extract_document
from mediasift.media.sniff import sniff

from .imaging_samples import context

# As macOS's TextEdit writes it: a font and a colour table, page setup, then the text, with an
# accent as a code-page escape (\'e9), one as a Unicode escape (\u241 and its fallback), and a
# picture whose hex data is no text.
RTF = r"""{\rtf1\ansi\ansicpg1252\cocoartf2639
{\fonttbl\f0\fswiss\fcharset0 Helvetica;}
{\colortbl;\red255\green255\blue255;}
\paperw11900\paperh16840\margl1440\margr1440\vieww11520\viewh8400\viewkind0
\pard\tx566\tx1133\pardirnatural\partightenfactor0

\f0\fs24 \cf0 The harbour ferry leaves at nine. El caf\'e9 abre a las ocho.\
Ma\u241?ana llega el barco.\
{\pict\pngblip 89504e470d0a1a0a0000000d49484452}
\par Second paragraph of notes.}
"""


def test_an_rtf_gives_its_words_not_its_control_words(tmp_path: Path) -> None:
    path = tmp_path / "notes.rtf"
    path.write_text(RTF, encoding="ascii")
    sniffed = sniff(path, "upload.bin")
    assert (sniffed.kind, sniffed.mime) == ("document", "application/rtf")
    extraction = extract_document(context(tmp_path, path, kind="document", mime=sniffed.mime))
    text = "\n".join(s.text for s in extraction.segments)
    assert "The harbour ferry leaves at nine. El café abre a las ocho." in text
    assert "Mañana llega el barco." in text and "Second paragraph of notes." in text
    assert "rtf" not in text and "Helvetica" not in text and "89504e47" not in text, text
