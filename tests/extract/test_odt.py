"""An OpenDocument text's words as LibreOffice writes them: spaces, tabs and line breaks that are
elements, not characters, and paragraphs nested in a text box or a footnote read once."""

from __future__ import annotations

from pathlib import Path

from mediasift.extract.documents import extract_document
from tests.docgen import make_odt, rewrite_member

from .imaging_samples import context

ODT = "application/vnd.oasis.opendocument.text"
DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"


def test_spaces_tabs_and_line_breaks_written_as_elements_keep_words_apart(tmp_path: Path) -> None:
    source = make_odt(tmp_path / "a.odt", "Boiler log", ["PLACEHOLDER"])
    body = (
        "<text:p>Boiler<text:tab/>pressure</text:p>"
        "<text:p>first line<text:line-break/>second line</text:p>"
        "<text:p>two<text:s/>spaces<text:s text:c='3'/>four, and a damaged count<text:s text:c='x'/>here"
        "<text:s text:c='999999999'/>end</text:p>"
        f"<text:p>Harbour notice<draw:frame xmlns:draw='{DRAW}'><draw:text-box>"
        "<text:p>Keep off the breakwater</text:p></draw:text-box></draw:frame> after the frame"
        "<text:note><text:note-citation>1</text:note-citation><text:note-body>"
        "<text:p>Footnote about tides.</text:p></text:note-body></text:note>.</text:p>"
    ).encode()
    path = rewrite_member(
        source,
        tmp_path / "b.odt",
        "content.xml",
        lambda xml: xml.replace(b"<text:p>PLACEHOLDER</text:p>", body),
    )
    extraction = extract_document(context(tmp_path, path, kind="document", mime=ODT))
    text = "\n".join(s.text for s in extraction.segments)
    assert "Boiler\tpressure" in text
    assert "first line\nsecond line" in text
    assert "two spaces   four, and a damaged count here" in text
    assert " " * 100 + "end" in text and " " * 101 + "end" not in text
    assert "Harbour notice after the frame." in text  # its text box and footnote apart, once each
    assert text.count("Keep off the breakwater") == 1 and text.count("Footnote about tides.") == 1
