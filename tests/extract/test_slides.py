"""PowerPoint: title, body, table, speaker notes and text inside pictures, each citing its slide."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest
from pptx import Presentation
from pptx.util import Inches

from mediasift.domain import Modality
from mediasift.errors import CorruptMedia, LimitExceeded
from mediasift.extract.slides import _slide_pictures, extract_slides
from mediasift.store.local import LocalStore
from tests.docgen import rewrite_member

from .imaging_samples import context, render_text

PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def build_deck(path: Path) -> Path:
    """Slide 1: title + body + notes. Slide 2: title + table. Slide 3: a picture of Spanish text."""
    deck = Presentation()
    first = deck.slides.add_slide(deck.slide_layouts[1])  # title and content
    first.shapes.title.text = "Quarterly results"
    first.placeholders[1].text = "Revenue grew twelve percent\nChurn fell to three percent"
    first.notes_slide.notes_text_frame.text = "Mention the new Madrid office"

    second = deck.slides.add_slide(deck.slide_layouts[5])  # title only
    second.shapes.title.text = "Regional sales"
    table = second.shapes.add_table(3, 2, Inches(1), Inches(2), Inches(6), Inches(2)).table
    for r, row in enumerate([("Region", "Units"), ("Iberia", "1200"), ("Benelux", "800")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value

    third = deck.slides.add_slide(deck.slide_layouts[6])  # blank
    picture = io.BytesIO()
    render_text(["Oferta válida hasta mañana"], size=40).save(picture, format="PNG")
    third.shapes.add_picture(io.BytesIO(picture.getvalue()), Inches(1), Inches(1))
    logo = io.BytesIO()
    render_text(["ACME"], size=40, width=300).save(logo, format="PNG")
    for slide in (first, third):  # the same logo twice: read once, cited on both slides
        slide.shapes.add_picture(io.BytesIO(logo.getvalue()), Inches(8), Inches(6))
    deck.save(path)
    return path


@pytest.fixture(scope="module")
def deck_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("deck")


@pytest.fixture(scope="module")
def extraction(deck_dir):
    return extract_slides(context(deck_dir, build_deck(deck_dir / "deck.pptx"), kind="document", mime=PPTX))


def segments(extraction, modality: Modality) -> list[tuple[int | None, str]]:
    return [(s.page, s.text) for s in extraction.segments if s.modality == modality]


def test_each_slide_is_one_text_segment_with_title_body_and_tables(extraction) -> None:
    assert segments(extraction, Modality.TEXT) == [
        (1, "Quarterly results\nRevenue grew twelve percent\nChurn fell to three percent"),
        (2, "Regional sales\nRegion | Units\nIberia | 1200\nBenelux | 800"),
    ]
    titles = [s.meta["title"] for s in extraction.segments if s.modality == Modality.TEXT]
    assert titles == ["Quarterly results", "Regional sales"]


def test_speaker_notes_are_a_note_segment_on_their_slide(extraction) -> None:
    assert segments(extraction, Modality.NOTE) == [(1, "Mention the new Madrid office")]


def test_text_in_pictures_is_ocr_cited_on_the_slide_that_shows_it(extraction) -> None:
    ocr = segments(extraction, Modality.OCR)
    assert (1, "ACME") in ocr and (3, "ACME") in ocr
    assert (3, "Oferta válida hasta mañana") in ocr
    assert all(s.meta["picture"] for s in extraction.segments if s.modality == Modality.OCR)


def test_the_deck_reports_its_slide_count_and_unique_segment_ids(extraction) -> None:
    assert extraction.info["pages"] == 3
    ids = [s.id for s in extraction.segments]
    assert len(ids) == len(set(ids))


def test_more_slides_than_the_page_limit_is_rejected(tmp_path) -> None:
    path = build_deck(tmp_path / "deck.pptx")
    with pytest.raises(LimitExceeded, match="3 slides"):
        extract_slides(context(tmp_path, path, kind="document", mime=PPTX, max_pages=2))


def test_a_file_that_is_not_a_presentation_is_corrupt_media(tmp_path) -> None:
    path = tmp_path / "fake.pptx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(CorruptMedia):
        extract_slides(context(tmp_path, path, kind="document", mime=PPTX))


def test_a_deck_with_broken_slide_xml_is_corrupt_media(tmp_path) -> None:
    good = build_deck(tmp_path / "deck.pptx")
    # cut mid-element: not well-formed XML
    broken = rewrite_member(
        good, tmp_path / "broken.pptx", "ppt/presentation.xml", lambda xml: xml[: len(xml) // 2]
    )
    with pytest.raises(CorruptMedia, match="cannot open presentation"):
        extract_slides(context(tmp_path, broken, kind="document", mime=PPTX))


def test_a_picture_whose_image_the_package_lost_is_counted_and_the_deck_read(tmp_path) -> None:
    # Its relationship id names no part: python-pptx raised KeyError and the deck failed three
    # times as an internal error.
    good = build_deck(tmp_path / "deck.pptx")
    broken = rewrite_member(
        good,
        tmp_path / "lost.pptx",
        "ppt/slides/slide3.xml",
        lambda xml: xml.replace(b'r:embed="', b'r:embed="lost', 1),
    )
    extraction = extract_slides(context(tmp_path, broken, kind="document", mime=PPTX))
    assert extraction.info["metadata"]["unreadable_pictures"] == 1
    assert (1, "Quarterly results\nRevenue grew twelve percent\nChurn fell to three percent") in segments(
        extraction, Modality.TEXT
    )


@pytest.mark.parametrize(
    ("member", "edit"),
    [
        ("ppt/_rels/presentation.xml.rels", None),  # the slides' relationships gone: KeyError
        (
            "ppt/_rels/presentation.xml.rels",
            lambda xml: xml.replace(b' Target="', b' Tarjet="', 1),
        ),  # InvalidXmlError
        # a root element python-pptx does not know: AttributeError
        (
            "_rels/.rels",
            lambda xml: xml.replace(b"Relationships>", b"Relationshipz>").replace(
                b"<Relationships ", b"<Relationshipz "
            ),
        ),
    ],
)
def test_a_deck_whose_relationships_are_broken_is_corrupt_media(tmp_path, member, edit) -> None:  # type: ignore[no-untyped-def]
    good = build_deck(tmp_path / "deck.pptx")
    broken = rewrite_member(good, tmp_path / "broken.pptx", member, edit or (lambda xml: None))
    with pytest.raises(CorruptMedia, match="cannot open presentation"):
        extract_slides(context(tmp_path, broken, kind="document", mime=PPTX))


@pytest.mark.skipif(shutil.which("soffice") is None, reason="needs LibreOffice (scripts/system-deps.sh test)")
def test_each_slide_is_drawn_and_its_segments_show_it(extraction, deck_dir) -> None:
    from PIL import Image

    keys = {s.page: s.frame_key for s in extraction.segments}
    assert keys == {n: f"processed/acme/01TESTMEDIA/pages/{n:04d}.jpg" for n in (1, 2, 3)}
    store = LocalStore(deck_dir / "objects")  # where the extraction's context wrote
    pictures = [Image.open(io.BytesIO(store.get_bytes(keys[n]))) for n in (1, 2, 3)]
    assert all(p.format == "JPEG" and abs(p.width / p.height - 4 / 3) < 0.02 for p in pictures)
    assert len({p.resize((32, 24)).convert("L").tobytes() for p in pictures}) == 3  # three different slides


def test_without_libreoffice_slides_have_no_picture_and_ingest_goes_on(tmp_path) -> None:
    ctx = context(
        tmp_path, build_deck(tmp_path / "deck.pptx"), kind="document", mime=PPTX, libreoffice_path="none"
    )
    assert _slide_pictures(ctx, 3) == {}


DGM = "http://schemas.openxmlformats.org/drawingml/2006/diagram"
A = "http://schemas.openxmlformats.org/drawingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def with_smartart(source: Path, target: Path, lines: list[str], data: bytes | None = None) -> Path:
    """``source`` (a one-slide deck) with a SmartArt diagram on its slide whose data part holds
    ``lines``, related to the slide as PowerPoint relates it (``data`` replaces that part)."""
    frame = (
        f'<p:graphicFrame xmlns:a="{A}" xmlns:r="{R}"><p:nvGraphicFramePr><p:cNvPr id="90" name="Diagram 1"/>'
        "<p:cNvGraphicFramePr/><p:nvPr/></p:nvGraphicFramePr>"
        '<p:xfrm><a:off x="0" y="0"/><a:ext cx="100" cy="100"/></p:xfrm>'
        f'<a:graphic><a:graphicData uri="{DGM}"><dgm:relIds xmlns:dgm="{DGM}" r:dm="rIdDgm" r:lo="rIdLo"'
        ' r:qs="rIdQs" r:cs="rIdCs"/></a:graphicData></a:graphic></p:graphicFrame>'
    ).encode()
    points = "".join(
        f'<dgm:pt modelId="{i}"><dgm:t><a:bodyPr/><a:p><a:r><a:t>{line}</a:t></a:r></a:p></dgm:t></dgm:pt>'
        for i, line in enumerate(lines, 1)
    )
    model = f'<dgm:dataModel xmlns:dgm="{DGM}" xmlns:a="{A}"><dgm:ptLst>{points}</dgm:ptLst></dgm:dataModel>'
    data = data or model.encode()
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            xml = old.read(item)
            if item.filename == "[Content_Types].xml":
                xml = xml.replace(
                    b"</Types>",
                    b'<Override PartName="/ppt/diagrams/data1.xml" ContentType="application/vnd.'
                    b'openxmlformats-officedocument.drawingml.diagramData+xml"/></Types>',
                )
            elif item.filename == "ppt/slides/_rels/slide1.xml.rels":
                xml = xml.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdDgm" Type="http://schemas.openxmlformats.org/officeDocument/'
                    b'2006/relationships/diagramData" Target="../diagrams/data1.xml"/></Relationships>',
                )
            elif item.filename == "ppt/slides/slide1.xml":
                xml = xml.replace(b"</p:spTree>", frame + b"</p:spTree>")
            new.writestr(item.filename, xml)
        new.writestr("ppt/diagrams/data1.xml", data)
    return target


def test_a_smartart_diagrams_words_are_read_on_its_slide(tmp_path: Path) -> None:
    deck = Presentation()
    deck.slides.add_slide(deck.slide_layouts[5]).shapes.title.text = "Onboarding"
    deck.save(tmp_path / "a.pptx")
    path = with_smartart(tmp_path / "a.pptx", tmp_path / "b.pptx", ["Sign the contract", "Collect the badge"])
    extraction = extract_slides(context(tmp_path, path, kind="document", mime=PPTX))
    assert segments(extraction, Modality.TEXT) == [(1, "Onboarding\nSign the contract\nCollect the badge")]


def test_a_diagram_whose_data_does_not_parse_leaves_the_slide_readable(tmp_path: Path) -> None:
    deck = Presentation()
    deck.slides.add_slide(deck.slide_layouts[5]).shapes.title.text = "Onboarding"
    deck.save(tmp_path / "a.pptx")
    path = with_smartart(tmp_path / "a.pptx", tmp_path / "b.pptx", [], data=b"<dgm:dataModel><unclosed>")
    extraction = extract_slides(context(tmp_path, path, kind="document", mime=PPTX))
    assert segments(extraction, Modality.TEXT) == [(1, "Onboarding")]


def test_a_slide_python_pptx_cannot_read_is_left_out_and_named(tmp_path: Path) -> None:
    # A damaged placeholder type surfaced as ValueError from python-pptx's enum lookup, mid-deck:
    # the whole ingest failed as `internal`.
    deck = Presentation()
    for title in ("Harbour works", "Dredging plan"):
        deck.slides.add_slide(deck.slide_layouts[5]).shapes.title.text = title
    deck.save(tmp_path / "a.pptx")

    def damage(xml: bytes) -> bytes:
        return xml.replace(b'type="title"', b'type="xtitle"')

    path = rewrite_member(tmp_path / "a.pptx", tmp_path / "b.pptx", "ppt/slides/slide2.xml", damage)
    extraction = extract_slides(context(tmp_path, path, kind="document", mime=PPTX))
    assert segments(extraction, Modality.TEXT) == [(1, "Harbour works")]
    assert extraction.info["metadata"] == {"unreadable_slides": [2]}

    only = rewrite_member(tmp_path / "b.pptx", tmp_path / "c.pptx", "ppt/slides/slide1.xml", damage)
    with pytest.raises(CorruptMedia, match="none of the presentation's 2 slides"):
        extract_slides(context(tmp_path, only, kind="document", mime=PPTX))
