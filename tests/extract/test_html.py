"""An HTML page's words as a reader sees them: blocks apart, a table's cells apart, scripts and
styles left out."""

from __future__ import annotations

from pathlib import Path

from mediasift.extract.documents import extract_document

from .imaging_samples import context

PAGE = """<!DOCTYPE html><html><head><title>Boiler manual</title><style>p {color: red}</style></head>
<body><header>Harbour works</header><span>in</span><span>line</span> <address>Quay 4</address>
<table><caption>Service intervals</caption><tr><th>Part</th><th>Interval</th></tr>
<tr><td>Boiler</td><td>pressure check</td></tr></table>
<dl><dt>Valve</dt><dd>Opens at 3 bar</dd></dl><blockquote>Keep the lid shut</blockquote>
<figure><img src="x.png"><figcaption>The gauge</figcaption></figure><p>One<br>two</p>
<script>var hidden = "never indexed";</script><footer>Printed 2026</footer></body></html>"""


def test_blocks_and_cells_stay_apart(tmp_path: Path) -> None:
    path = tmp_path / "manual.html"
    path.write_text(PAGE, encoding="utf-8")
    extraction = extract_document(context(tmp_path, path, kind="document", mime="text/html"))
    text = "\n".join(s.text for s in extraction.segments)
    paragraphs = [p.strip() for p in text.split("\n\n")]
    assert paragraphs == [
        "Boiler manual",
        "Harbour works",
        "inline",
        "Quay 4",
        "Service intervals",
        "Part | Interval",
        "Boiler | pressure check",
        "Valve",
        "Opens at 3 bar",
        "Keep the lid shut",
        "The gauge",
        "One",
        "two",
        "Printed 2026",
    ], text


def test_a_title_its_heading_repeats_is_read_once(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(
        "<!DOCTYPE html><html><head><title>Ferry  timetable</title></head>"
        "<body><h1>Ferry timetable</h1><p>Boats leave at nine.</p></body></html>",
        encoding="utf-8",
    )
    extraction = extract_document(context(tmp_path, path, kind="document", mime="text/html"))
    assert [s.text for s in extraction.segments] == ["Ferry timetable\n\nBoats leave at nine."]


def test_control_characters_in_a_page_are_read_as_spaces_or_line_breaks(tmp_path: Path) -> None:
    # lxml parses them, then refuses them in the text given back to an element: a ValueError,
    # and the ingest failed as `internal`.
    path = tmp_path / "page.html"
    path.write_text(
        "<!DOCTYPE html><html><body><p>Boiler\x01room</p>after\x0bthe<div>gauge\x7f</div></body></html>",
        encoding="utf-8",
    )
    extraction = extract_document(context(tmp_path, path, kind="document", mime="text/html"))
    assert [s.text for s in extraction.segments] == ["Boiler room\n\nafter\nthe\n\ngauge"]


def test_an_xhtml_page_with_its_xml_declaration_is_read(tmp_path: Path) -> None:
    # lxml refuses a decoded text that declares its encoding: such a page failed as corrupt_media.
    from mediasift.media.sniff import sniff

    path = tmp_path / "page.xhtml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE html>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>Ferry times</title></head>'
        "<body><h1>Timetable</h1><p>The ferry leaves at dawn.</p></body></html>",
        encoding="utf-8",
    )
    sniffed = sniff(path, "page.xhtml")
    assert sniffed.mime == "text/html"
    extraction = extract_document(context(tmp_path, path, kind="document", mime=sniffed.mime))
    text = "\n".join(s.text for s in extraction.segments)
    assert "Timetable" in text and "The ferry leaves at dawn." in text and "xml" not in text, text


def test_markdown_is_read_as_the_page_it_renders_to(tmp_path: Path) -> None:
    path = tmp_path / "install-notes.md"
    path.write_text(
        "# Weather station\n\nInstall the **anemometer** at least *ten metres* up, as the "
        "[manual](https://example.org/m) says.\n\n| Sensor | Interval |\n|---|---|\n| wind | 5 s |\n"
        "| rain | 60 s |\n\n- check `calibrate` yearly\n- replace the battery\n",
        encoding="utf-8",
    )
    extraction = extract_document(context(tmp_path, path, kind="text", mime="text/markdown"))
    text = "\n".join(s.text for s in extraction.segments)
    assert [p.strip() for p in text.split("\n\n")] == [
        "Weather station",
        "Install the anemometer at least ten metres up, as the manual says.",
        "Sensor | Interval",
        "wind | 5 s",
        "rain | 60 s",
        "check calibrate yearly",
        "replace the battery",
    ]
