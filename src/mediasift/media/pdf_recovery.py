"""The pages a cut-off PDF still holds (a download that stopped, a copy of a file being written).

A PDF ends with its cross-reference table and the trailer that names its catalog; a file cut
short has neither, and PDFium (as qpdf) opens none of it: every page of a 40-page report was lost
for want of its last kilobytes. ``recovered`` rebuilds what PDFium needs from the objects that
are there whole: the file up to its last whole object, a flat page tree of the pages found whole
with their contents (in their original tree's order where it is known, else in the order they are
written), a catalog, a cross-reference table and a trailer. What it cannot give back: pages whose
objects the writer put after the cut (LibreOffice writes every page's object after all the
contents, so its PDFs cut anywhere but in their last few percent keep none), and objects inside
compressed object streams (PDF 1.5's ``/ObjStm``).
"""

from __future__ import annotations

import re

_OBJECT = re.compile(rb"(?<![0-9])(\d{1,10})\s+(\d{1,5})\s+obj\b")
_END = b"endobj"
_TYPE = re.compile(rb"/Type\s*/(Catalog|Pages|Page)(?![A-Za-z])")
_KIDS = re.compile(rb"/Kids\s*\[([^\]]*)\]")
_CONTENTS = re.compile(rb"/Contents\s*(\[[^\]]*\]|\d+\s+\d+\s+R)")
_REFERENCE = re.compile(rb"(\d+)\s+\d+\s+R\b")
_MAX_OBJECTS = 2_000_000  # past this, a "PDF" is not one a person wrote


def recovered(data: bytes) -> tuple[bytes, int] | None:
    """``data`` (a PDF no reader opens) rebuilt around its whole objects, with how many pages it
    holds; None when it has no whole page object in plain sight."""
    whole: dict[int, tuple[int, int]] = {}  # object number -> its bytes' start and end
    starts = list(_OBJECT.finditer(data))
    if len(starts) > _MAX_OBJECTS:
        return None
    for k, match in enumerate(starts):
        following = starts[k + 1].start() if k + 1 < len(starts) else len(data)
        # looked for before the next object only: a file of objects without ends is read once
        end = data.find(_END, match.end(), following)
        if end < 0:
            continue  # cut off, or its end is another object's
        whole[int(match.group(1))] = (match.start(), end + len(_END))
    kinds: dict[int, bytes] = {}
    for number, (start, end) in whole.items():
        found = _TYPE.search(data, start, end)
        if found:
            kinds[number] = found.group(1)
    if not whole or max(whole) > _MAX_OBJECTS:
        return None  # the cross-reference table lists every number up to the highest
    written = sorted(whole, key=lambda n: whole[n][0])
    # A page whose content the cut reached is not whole: it would read as a blank (or "scanned")
    # page, and be sent to OCR for nothing.
    pages = [n for n in written if kinds.get(n) == b"Page" and _contents_whole(data, whole, n)]
    if not pages:
        return None
    ordered = _tree_order(data, whole, kinds, pages)
    body_end = max(end for _, end in whole.values())
    out = bytearray(data[:body_end])
    offsets = {number: start for number, (start, _) in whole.items()}
    tree = max(whole) + 1
    catalog = tree + 1
    offsets[tree] = len(out) + 1
    out += b"\n%d 0 obj\n<< /Type /Pages /Kids [%s] /Count %d >>\nendobj\n" % (
        tree,
        b" ".join(b"%d 0 R" % number for number in ordered),
        len(ordered),
    )
    offsets[catalog] = len(out)
    out += b"%d 0 obj\n<< /Type /Catalog /Pages %d 0 R >>\nendobj\n" % (catalog, tree)
    xref = len(out)
    size = catalog + 1
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        at = offsets.get(number)
        out += b"%010d 00000 n \n" % at if at is not None else b"0000000000 65535 f \n"
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, catalog, xref)
    return bytes(out), len(ordered)


def _contents_whole(data: bytes, whole: dict[int, tuple[int, int]], page: int) -> bool:
    """Whether every content stream the page names (``/Contents``: one reference or an array) is
    whole; a page that names none is (a blank page)."""
    start, end = whole[page]
    named = _CONTENTS.search(data, start, end)
    if named is None:
        return True
    return all(int(ref) in whole for ref in _REFERENCE.findall(named.group(1)))


def _tree_order(
    data: bytes, whole: dict[int, tuple[int, int]], kinds: dict[int, bytes], pages: list[int]
) -> list[int]:
    """The whole pages in the order the page tree's whole nodes give them, from its root (a node
    no other lists), then any page no whole node lists, in the order they are written."""
    kids: dict[int, list[int]] = {}
    for number, kind in kinds.items():
        if kind == b"Pages":
            start, end = whole[number]
            listed = _KIDS.search(data, start, end)
            kids[number] = [int(r) for r in _REFERENCE.findall(listed.group(1))] if listed else []
    listed_somewhere = {kid for children in kids.values() for kid in children}
    roots = [number for number in kids if number not in listed_somewhere]
    ordered: list[int] = []
    seen: set[int] = set()
    is_page = set(pages)

    def walk(node: int, depth: int) -> None:
        if node in seen or depth > 64:
            return
        seen.add(node)
        if node in is_page:
            ordered.append(node)
        for kid in kids.get(node, ()):
            walk(kid, depth + 1)

    for root in roots:
        walk(root, 0)
    ordered += [number for number in pages if number not in seen]
    return ordered
