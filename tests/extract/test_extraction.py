"""What every extractor's output goes through before it is stored (``extract/base.py``)."""

from __future__ import annotations

from mediasift.domain import Modality, Segment
from mediasift.extract.base import Extraction


def test_nul_characters_become_spaces_in_texts_metadata_and_info() -> None:
    text = "Old notes.\x00 The keeper retired."
    segment = Segment("s", "m", "t", Modality.TEXT, text, meta={"char_start": 0, "title": ["a\x00b", 3]})
    extraction = Extraction(
        segments=[segment], info={"metadata": {"Author\x00": "Ana\x00", "pages": 2}, "language": "en"}
    )
    extraction.without_nul()
    assert segment.text == "Old notes.  The keeper retired."
    assert len(segment.text) == len(text)  # every char_start and char_end still points where it did
    assert segment.meta == {"char_start": 0, "title": ["a b", 3]}
    assert extraction.info == {"metadata": {"Author ": "Ana ", "pages": 2}, "language": "en"}
