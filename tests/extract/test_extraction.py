"""What every extractor's output goes through before it is stored (``extract/base.py``)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from mediasift.config import Settings
from mediasift.domain import Modality, Segment
from mediasift.extract.base import ExtractContext, Extraction
from mediasift.extract.chunking import text_segments
from mediasift.text_form import searchable


def test_nuls_and_lone_surrogates_become_storable_in_texts_metadata_and_info() -> None:
    # A lone surrogate is what Python keeps of bytes it could not decode (a tar member's name).
    text = "Old notes.\x00 The keeper retired in caf\udce9 Sol."
    segment = Segment(
        "s", "m", "t", Modality.TEXT, text, meta={"char_start": 0, "path": ["a\x00b", 3, "caf\udce9.py"]}
    )
    extraction = Extraction(
        segments=[segment], info={"metadata": {"Author\x00": "Ana\x00", "pages": 2}, "language": "en"}
    )
    extraction.normalise()
    assert segment.text == "Old notes.  The keeper retired in caf\ufffd Sol."
    assert len(segment.text) == len(text)  # every char_start and char_end still points where it did
    assert segment.meta == {"char_start": 0, "path": ["a b", 3, "caf\ufffd.py"]}
    assert extraction.info == {"metadata": {"Author ": "Ana ", "pages": 2}, "language": "en"}


def test_texts_are_written_as_search_writes_them_and_a_documents_offsets_hold() -> None:
    decomposed = unicodedata.normalize("NFD", "La crème brû\u00adlée del se\u2060ñor Muñoz.\ufeff ") * 40
    ctx = ExtractContext("m", "t", "text", "text/plain", Path("x.txt"), "x.txt", Settings(), None, None)  # type: ignore[arg-type]
    extraction = Extraction(segments=text_segments(ctx, decomposed))
    extraction.segments.append(ctx.segment("ocr", Modality.OCR, unicodedata.normalize("NFD", "Muñoz")))
    extraction.normalise()
    composed = searchable(decomposed)
    assert "\u00ad" not in composed and "crème brûlée del señor Muñoz." in composed
    assert len(extraction.segments) > 2
    for segment in extraction.segments[:-1]:
        assert segment.text == composed[segment.meta["char_start"] : segment.meta["char_end"]].strip()
    assert extraction.segments[-1].text == "Mu\u00f1oz"


def test_control_characters_become_line_breaks_or_spaces_the_text_model_reads() -> None:
    # The text model's tokenizer deletes a control character, gluing the words around it.
    assert searchable("Boiler\x0bservice\x85room\x01door\ttab") == "Boiler\nservice\nroom door\ttab"
