"""Real documents generated in tests: PDFs (text-layer and scanned pages), DOCX, PPTX, HTML.

``make_pdf`` writes a minimal but valid PDF 1.4 by hand (Helvetica, WinAnsi encoding, so Spanish
accents survive) rather than pulling in a PDF-writing dependency just for tests. A page given as a
picture instead of lines is a scan: a JPEG drawn over the whole page, with no text layer.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

SCAN_DPI = 200  # a scanned page's picture is this many pixels per inch of the page


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def make_pdf(path: Path, pages: list[list[str] | Image.Image]) -> Path:
    """One PDF page per entry, in order. Lines of text are drawn top-down as a text layer (an empty
    list is a blank page); a picture becomes a scanned page, sized as scanned at ``SCAN_DPI``."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    pages_id = add(b"")  # written once the pages are known
    page_ids = []
    for page in pages:
        if isinstance(page, Image.Image):
            jpeg = io.BytesIO()
            page.convert("RGB").save(jpeg, format="JPEG", quality=90)
            picture = add(
                b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
                b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n"
                % (page.width, page.height, len(jpeg.getvalue()))
                + jpeg.getvalue()
                + b"\nendstream"
            )
            width, height = page.width * 72 / SCAN_DPI, page.height * 72 / SCAN_DPI
            stream = b"q %.2f 0 0 %.2f 0 0 cm /Scan Do Q" % (width, height)
            resources = b"<< /XObject << /Scan %d 0 R >> >>" % picture
        else:
            width, height = 612, 792
            ops = [b"BT /F1 12 Tf 14 TL 72 760 Td"]
            for line in page:
                ops.append(_pdf_string(line) + b" Tj T*")
            ops.append(b"ET")
            stream = b"\n".join(ops)
            resources = b"<< /Font << /F1 %d 0 R >> >>" % font
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        page_ids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /Contents %d 0 R "
                b"/Resources %s >>" % (pages_id, width, height, content, resources)
            )
        )
    kids = b" ".join(b"%d 0 R" % i for i in page_ids)
    objects[pages_id - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    path.write_bytes(_pdf_file(objects, b"/Root %d 0 R" % catalog))
    return path


def damage_page(path: Path, number: int) -> Path:
    """``path`` (a ``make_pdf`` PDF) with page ``number``'s (1-based) dictionary no longer a page,
    every byte offset kept: the document opens, and PDFium fails to load that page alone."""
    data = path.read_bytes()
    at = -1
    for _ in range(number):
        at = data.index(b"/Type /Page /Parent", at + 1)
    path.write_bytes(data[:at] + b"/Type /Xxxx" + data[at + len(b"/Type /Page") :])
    return path


def rewrite_member(source: Path, target: Path, member: str, edit: Callable[[bytes], bytes | None]) -> Path:
    """``source`` (a zip: DOCX, PPTX…) written to ``target`` with ``member`` replaced by
    ``edit(its bytes)``, or left out where ``edit`` gives None; every checksum right."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for item in old.infolist():
            read = old.read(item)
            data = edit(read) if item.filename == member else read
            if data is not None:
                new.writestr(item.filename, data)
    return target


def make_docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None) -> Path:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        t = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                t.cell(r, c).text = value
    document.save(str(path))
    return path


@dataclass
class Slide:
    """What one generated slide holds; each part becomes its own kind of segment."""

    title: str = ""
    body: list[str] | None = None
    notes: str = ""
    pictures: list[Image.Image] | None = None


def make_pptx(path: Path, slides: list[Slide]) -> Path:
    """A deck with one slide per entry: title and body in the "Title and Content" layout (a blank
    slide when it has neither), speaker notes, and pictures placed down the slide."""
    from pptx import Presentation
    from pptx.util import Inches

    deck = Presentation()
    for spec in slides:
        has_text = bool(spec.title or spec.body)
        slide = deck.slides.add_slide(deck.slide_layouts[1 if has_text else 6])
        if has_text:
            slide.shapes.title.text = spec.title
            slide.placeholders[1].text = "\n".join(spec.body or [])
        if spec.notes:
            slide.notes_slide.notes_text_frame.text = spec.notes
        for i, picture in enumerate(spec.pictures or []):
            png = io.BytesIO()
            picture.save(png, format="PNG")
            slide.shapes.add_picture(
                io.BytesIO(png.getvalue()), Inches(0.5), Inches(0.5 + 2.5 * i), Inches(9)
            )
    deck.save(str(path))
    return path


def make_odt(path: Path, heading: str, paragraphs: list[str]) -> Path:
    """A minimal OpenDocument text, written by hand as LibreOffice would: the ``mimetype`` member
    first and stored, then the manifest and ``content.xml`` with a heading and paragraphs."""
    import zipfile
    from xml.sax.saxutils import escape

    body = f'<text:h text:outline-level="1">{escape(heading)}</text:h>' + "".join(
        f"<text:p>{escape(p)}</text:p>" for p in paragraphs
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.3">'
        f"<office:body><office:text>{body}</office:text></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" manifest:version="1.3" '
        'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text", compress_type=zipfile.ZIP_STORED)
        zf.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def make_html(path: Path, title: str, paragraphs: list[str], *, script: str = "", style: str = "") -> Path:
    """An HTML page: the title as <title> and <h1>, one <p> per paragraph, and the given script
    and style both in <head> and at the end of <body> (where page scripts often sit)."""
    from html import escape

    head_extra = f"<style>{style}</style><script>{script}</script>" if style or script else ""
    body = "".join(f"<p>{escape(p)}</p>\n" for p in paragraphs)
    tail = f"<script>{script}</script><style>{style}</style>" if style or script else ""
    html = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f"{head_extra}</head>\n<body><h1>{escape(title)}</h1>\n{body}{tail}</body></html>\n"
    )
    path.write_text(html, encoding="utf-8")
    return path


# --- Hostile documents: zip bombs, archives that lie about their sizes, encrypted PDFs ---------


def add_zip_padding(path: Path, member: str, unpacked_bytes: int) -> Path:
    """Add ``member`` holding ``unpacked_bytes`` zeros, deflated to a sliver: a zip bomb that is
    still a valid DOCX or PPTX. Written in 1 MiB pieces so the test never holds the payload."""
    import zipfile

    block = bytes(1024 * 1024)
    with (
        zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as zf,
        zf.open(member, "w", force_zip64=True) as out,
    ):
        for start in range(0, unpacked_bytes, len(block)):
            out.write(block[: min(len(block), unpacked_bytes - start)])
    return path


def lie_about_size(path: Path, member: str, extra: bytes, *, crc_of: str = "all") -> Path:
    """Rewrite ``member`` as its bytes plus ``extra``, deflated, but declare in the central directory
    and local header that it unpacks to only its *packed* size. ``crc_of="all"`` keeps the CRC-32 of
    everything it really holds (a reader that stops at the declared size sees a checksum mismatch);
    ``crc_of="declared"`` records the CRC of just the declared prefix, so the lie is consistent and
    a reader gets the member cut short."""
    import struct
    import zipfile
    import zlib

    with zipfile.ZipFile(path) as zf:
        members = [(info.filename, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data + extra if name == member else data)
    raw = bytearray(path.read_bytes())
    real = dict(members)[member] + extra
    name = member.encode()
    at = raw.find(b"PK\x01\x02")
    while at >= 0:
        length = struct.unpack_from("<H", raw, at + 28)[0]
        if raw[at + 46 : at + 46 + length] == name:
            packed = struct.unpack_from("<I", raw, at + 20)[0]
            crc = zlib.crc32(real if crc_of == "all" else real[:packed])
            header = struct.unpack_from("<I", raw, at + 42)[0]
            for offset in (at + 16, header + 14):  # CRC-32, then sizes follow it in both records
                struct.pack_into("<I", raw, offset, crc)
            struct.pack_into("<I", raw, at + 24, packed)
            struct.pack_into("<I", raw, header + 22, packed)
        at = raw.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(raw))
    return path


_PDF_PASSWORD_PAD = bytes.fromhex("28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a")


def _rc4(key: bytes, data: bytes) -> bytes:
    state = list(range(256))
    j = 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(out)


def make_encrypted_pdf(
    path: Path, lines: list[str], user_password: str, owner_password: str = "owner"
) -> Path:
    """A one-page PDF encrypted with the standard security handler (revision 2, 40-bit RC4), opening
    only with ``user_password``: the oldest scheme every reader supports, written by hand (PDF 1.7
    spec, algorithms 2-4) because no installed package writes encrypted PDFs."""
    import hashlib

    def padded(password: str) -> bytes:
        return (password.encode("latin-1") + _PDF_PASSWORD_PAD)[:32]

    doc_id = hashlib.md5(path.name.encode()).digest()
    permissions = -4  # every permission; the password alone keeps it closed
    owner = _rc4(hashlib.md5(padded(owner_password)).digest()[:5], padded(user_password))
    key = hashlib.md5(
        padded(user_password) + owner + permissions.to_bytes(4, "little", signed=True) + doc_id
    ).digest()[:5]
    user = _rc4(key, _PDF_PASSWORD_PAD)

    content_number = 4
    stream = b"\n".join(
        [b"BT /F1 12 Tf 14 TL 72 760 Td", *(_pdf_string(line) + b" Tj T*" for line in lines), b"ET"]
    )
    object_key = hashlib.md5(key + content_number.to_bytes(3, "little") + b"\x00\x00").digest()[:10]
    encrypted = _rc4(object_key, stream)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(encrypted) + encrypted + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P %d >>"
        % (owner.hex().encode(), user.hex().encode(), permissions),
    ]
    ids = b"/ID [<%s> <%s>]" % (doc_id.hex().encode(), doc_id.hex().encode())
    path.write_bytes(_pdf_file(objects, b"/Root 1 0 R /Encrypt 6 0 R " + ids))
    return path


def _pdf_file(objects: list[bytes], trailer: bytes) -> bytes:
    """A PDF file of numbered ``objects`` (1, 2, …) with a cross-reference table; ``trailer`` is
    what the trailer dictionary holds besides /Size (/Root at least)."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d %s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer, xref)
    return bytes(out)


def maintenance_log(path: Path, sections: int) -> Path:
    """A plain-text log of ``sections`` numbered paragraphs (~200 characters each): one chunk per
    three or four, so a few hundred sections make a job that embeds for several seconds."""
    path.write_text(
        "\n\n".join(
            f"Section {i}. The maintenance log for pump {i} records pressure readings, valve checks "
            f"and the technician's remarks about vibration levels observed during shift {i % 3}."
            for i in range(sections)
        )
    )
    return path
