"""A DOCX's text, and a package python-docx cannot follow failing as ``corrupt_media``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mediasift.errors import CorruptMedia
from mediasift.extract.documents import extract_document
from tests.docgen import make_docx, rewrite_member

from .imaging_samples import context

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_a_docx_gives_its_paragraphs_and_table_rows(tmp_path: Path) -> None:
    path = make_docx(
        tmp_path / "a.docx", ["Oil the chain every 200 km."], [["Part", "Every"], ["pads", "month"]]
    )
    extraction = extract_document(context(tmp_path, path, kind="document", mime=DOCX))
    text = "\n".join(s.text for s in extraction.segments)
    assert "Oil the chain every 200 km." in text and "pads | month" in text


@pytest.mark.parametrize(
    ("member", "edit"),
    [
        # a relationship without its target: python-docx's InvalidXmlError
        ("word/_rels/document.xml.rels", lambda xml: xml.replace(b' Target="', b' Tarjet="', 1)),
        # a root element python-docx does not know: AttributeError ('Relationship_lst')
        (
            "_rels/.rels",
            lambda xml: xml.replace(b"Relationships>", b"Relationshipz>").replace(
                b"<Relationships ", b"<Relationshipz "
            ),
        ),
    ],
)
def test_a_docx_whose_relationships_are_broken_is_corrupt_media(
    tmp_path: Path, member: str, edit: Callable[[bytes], bytes]
) -> None:
    # Both failed three times as internal errors.
    good = make_docx(tmp_path / "a.docx", ["Oil the chain every 200 km."])
    broken = rewrite_member(good, tmp_path / "broken.docx", member, edit)
    with pytest.raises(CorruptMedia, match="corrupt DOCX"):
        extract_document(context(tmp_path, broken, kind="document", mime=DOCX))
