"""Decide what a file is from its bytes; its name only tells source code from other text.

``sniff(path, filename)`` returns a ``Sniffed(kind, mime, ext)`` or raises ``CorruptMedia`` (empty
file) / ``UnsupportedMedia`` (bytes we have no extractor for). Audio versus video is settled by
probing the container's streams, since the same container (MP4, Matroska, Ogg) holds either.
Bytes that are text become ``code`` when the name has a source extension (``jobs.py``), the first
line is a shebang, or they are a Jupyter notebook; a tar archive (plain, gzip, bzip2 or xz) and a
zip that is no office document but holds source files are ``code`` too: a repository.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import json
import lzma
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from mediasift.errors import CorruptMedia, LimitExceeded, UnsupportedMedia
from mediasift.media.source_files import looks_like_notebook, shebang_type, source_type
from mediasift.media.subtitle_format import VTT_MIME, subtitle_mime

_HEAD = 8192
# Zip-based office files: refuse ones whose declared unpacked size is absurd (zip bombs).
_MAX_UNZIPPED = 2 * 1024**3
_MAX_ZIP_RATIO = 200
_READ_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Sniffed:
    kind: str  # video | audio | image | document | text | code
    mime: str
    ext: str


_IMAGE_MAGIC: list[tuple[bytes, int, str, str]] = [
    (b"\xff\xd8\xff", 0, "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png", ".png"),
    (b"GIF87a", 0, "image/gif", ".gif"),
    (b"GIF89a", 0, "image/gif", ".gif"),
    (b"II*\x00", 0, "image/tiff", ".tiff"),
    (b"MM\x00*", 0, "image/tiff", ".tiff"),
    (b"BM", 0, "image/bmp", ".bmp"),
]
_AV_MAGIC: list[tuple[bytes, int, str]] = [
    (b"ID3", 0, ".mp3"),
    (b"OggS", 0, ".ogg"),
    (b"fLaC", 0, ".flac"),
    (b"\x1aE\xdf\xa3", 0, ".mkv"),
    (b"FLV\x01", 0, ".flv"),
]


def sniff(path: Path, filename: str | None = None) -> Sniffed:
    """What the file at ``path`` is; ``filename`` (the name it was uploaded under) tells source
    code from other text and nothing else."""
    with path.open("rb") as f:
        head = f.read(_HEAD)
    if not head:
        raise CorruptMedia("empty file (0 bytes)")
    if head.startswith(b"%PDF-"):
        return Sniffed("document", "application/pdf", ".pdf")
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip(path)
    if head.startswith(_OLE):
        return _sniff_ole(path)
    tar = _sniff_tar(path, head)
    if tar is not None:
        return tar
    for magic, offset, mime, ext in _IMAGE_MAGIC:
        if head[offset:].startswith(magic):
            return Sniffed("image", mime, ext)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return Sniffed("image", "image/webp", ".webp")
    if head[4:8] == b"ftyp" and head[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heim", b"avif"):
        return Sniffed("image", "image/heic" if head[8:12] != b"avif" else "image/avif", ".heic")
    if _looks_av(head):
        return _probe_av(path)
    text = _as_text(head)
    if text is not None:
        return _sniff_code(text, filename) or _sniff_text(text, cut=len(head) == _HEAD)
    raise UnsupportedMedia("unrecognised binary content: not a supported video, audio, image or document")


def _looks_av(head: bytes) -> bool:
    if head[4:8] == b"ftyp":
        return True
    if head[:4] == b"RIFF" and head[8:12] in (b"WAVE", b"AVI "):
        return True
    if head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2", b"\xff\xf1", b"\xff\xf9"):  # MPEG audio / ADTS
        return True
    if _is_transport_stream(head):
        return True
    return any(head[offset:].startswith(magic) for magic, offset, _ in _AV_MAGIC)


def _is_transport_stream(head: bytes) -> bool:
    """An MPEG transport stream (a recorder's or a broadcast's ``.ts``, Blu-ray's ``.m2ts``): its
    sync byte 0x47 at the start of five packets in a row, of 188 bytes, or 192 with a timecode,
    and NUL bytes (its program tables hold them), so a text of fixed-width lines that each start
    with "G" stays text."""
    if b"\x00" not in head:
        return False
    return any(
        len(head) > first + 4 * size and all(head[first + k * size] == 0x47 for k in range(5))
        for first, size in ((0, 188), (4, 192))
    )


def _probe_av(path: Path) -> Sniffed:
    import av

    from mediasift.media.probe import audio_stream, open_media, video_stream

    try:
        with open_media(path) as container:
            has_video = video_stream(container) is not None
            has_audio = audio_stream(container) is not None
            has_streams = bool(container.streams.video or container.streams.audio)
            fmt = container.format.name.split(",")[0]
    except av.error.FFmpegError as exc:
        raise CorruptMedia(f"cannot decode media container: {exc}") from None
    if not (has_video or has_audio):
        if has_streams:
            raise CorruptMedia("no audio or video stream with a known codec (damaged or unsupported)")
        raise CorruptMedia("media container has no audio or video stream")
    kind = "video" if has_video else "audio"
    subtype, ext = _container_type(fmt, kind, _head(path))
    return Sniffed(kind, f"{kind}/{subtype}", ext)


# FFmpeg's demuxer name → (MIME subtype, extension); some demuxers cover several formats and are
# told apart by the header below.
_CONTAINERS = {
    "mov": ("mp4", ".mp4"),
    "matroska": ("x-matroska", ".mkv"),
    "avi": ("x-msvideo", ".avi"),
    "wav": ("wav", ".wav"),
    "mp3": ("mpeg", ".mp3"),
    "ogg": ("ogg", ".ogg"),
    "flac": ("flac", ".flac"),
    "aac": ("aac", ".aac"),
    "flv": ("x-flv", ".flv"),
    "mpegts": ("mp2t", ".ts"),
}


def _head(path: Path) -> bytes:
    with path.open("rb") as f:
        return f.read(_HEAD)


def _container_type(fmt: str, kind: str, head: bytes) -> tuple[str, str]:
    if fmt == "mov":
        if head[8:12] == b"qt  ":
            return "quicktime", ".mov"
        if kind == "audio" or head[8:11] == b"M4A":
            return "mp4", ".m4a"
    if fmt == "matroska" and b"webm" in head[:64]:
        return "webm", ".webm"
    if fmt == "ogg" and b"OpusHead" in head:
        return "ogg", ".opus"
    return _CONTAINERS.get(fmt, (fmt, "." + fmt))


def _begins_as_zip(path: Path) -> bool:
    """Whether ``path`` opens with a zip member's header (its end, the central directory, may be missing)."""
    with path.open("rb") as f:
        return f.read(4) == b"PK\x03\x04"


def _sniff_zip(path: Path) -> Sniffed:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            unpacked = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
            if unpacked > _MAX_UNZIPPED or unpacked / packed > _MAX_ZIP_RATIO:
                raise LimitExceeded(
                    f"zip bomb refused: the archive unpacks to {unpacked} bytes, {unpacked / packed:.0f} "
                    f"times its packed size (limits: {_MAX_UNZIPPED} bytes, {_MAX_ZIP_RATIO} times)"
                )
            _verify_members(zf, infos)
    except (zipfile.BadZipFile, NotImplementedError, OSError) as exc:
        # NotImplementedError: a central directory asking for a zip version no reader has (22.5,
        # once bytes were damaged); OSError: offsets that point outside the file.
        if isinstance(exc, zipfile.BadZipFile) and _begins_as_zip(path):
            # "File is not a zip file" for half a .docx said nothing a person could act on
            raise CorruptMedia(
                "the file is cut off: it begins as a zip container (a Word, Excel or PowerPoint "
                "document, or a zip archive) but lacks its end, which lists what it holds (an "
                "interrupted download or copy?): upload the whole file"
            ) from None
        raise CorruptMedia(f"corrupt zip container: {exc}") from None
    if "word/document.xml" in names:
        mime = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        return Sniffed("document", mime, ".docx")
    if "ppt/presentation.xml" in names:
        mime = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
        return Sniffed("document", mime, ".pptx")
    if "xl/workbook.xml" in names:
        return Sniffed("document", XLSX_MIME, ".xlsx")
    if "content.xml" in names and (opendocument := _OPENDOCUMENTS.get(_zip_mimetype(path))):
        return Sniffed("document", *opendocument)
    if "META-INF/container.xml" in names and _zip_mimetype(path) == EPUB_MIME:  # before its scripts
        return Sniffed("document", EPUB_MIME, ".epub")
    if any(_is_source(name) for name in names):
        return Sniffed("code", "application/zip", ".zip")
    raise UnsupportedMedia(
        "zip archive that is not a DOCX, PPTX, XLSX, ODT, ODS, ODP or EPUB document and holds no source files"
    )


# Word 97-2003 and PowerPoint 97-2003 files: OLE compound files, told apart by the name of their
# main stream, which the file's directory holds in UTF-16 (little-endian).
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DOC_MIME, PPT_MIME = "application/msword", "application/vnd.ms-powerpoint"
_OLE_STREAMS = [  # in precedence: a deck may embed a Word document, and either a workbook
    ("PowerPoint Document".encode("utf-16-le"), PPT_MIME, ".ppt"),
    ("WordDocument".encode("utf-16-le"), DOC_MIME, ".doc"),
]
_WORKBOOK = "Workbook".encode("utf-16-le")
_OLD_WORKBOOK = "Book".encode("utf-16-le")  # Excel 5 and 95 named the stream "Book"
XLS_MIME = "application/vnd.ms-excel"


def _sniff_ole(path: Path) -> Sniffed:
    """A Word, PowerPoint or Excel 97-2003 document by the main stream its directory names (the
    file read through once, a chunk at a time); any other compound file (an Outlook message, a
    Visio drawing) is not read."""
    names = [name for name, *_ in _OLE_STREAMS] + [_WORKBOOK, _OLD_WORKBOOK]
    longest = max(len(name) for name in names)
    found: set[bytes] = set()
    tail = b""
    with path.open("rb") as f:
        while chunk := f.read(_READ_CHUNK):
            window = tail + chunk
            found.update(name for name in names if name in window)
            tail = window[-longest:]
    for name, mime, ext in _OLE_STREAMS:
        if name in found:
            return Sniffed("document", mime, ext)
    if _WORKBOOK in found or _OLD_WORKBOOK in found:
        return Sniffed("document", XLS_MIME, ".xls")
    raise UnsupportedMedia("an OLE compound file that is not a Word, PowerPoint or Excel 97-2003 document")


ODT_MIME = "application/vnd.oasis.opendocument.text"
ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"
ODP_MIME = "application/vnd.oasis.opendocument.presentation"
_OPENDOCUMENTS = {ODT_MIME: (ODT_MIME, ".odt"), ODS_MIME: (ODS_MIME, ".ods"), ODP_MIME: (ODP_MIME, ".odp")}
EPUB_MIME = "application/epub+zip"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _zip_mimetype(path: Path) -> str:
    """An OpenDocument file's type: its first member, ``mimetype``, holds it (a few dozen bytes)."""
    with zipfile.ZipFile(path) as zf:
        try:
            return zf.read("mimetype")[:200].decode("ascii", errors="replace").strip()
        except KeyError:
            return ""


def _is_source(name: str) -> bool:
    found = source_type(name)
    return found is not None and found.role in ("code", "notebook")


# Compressed tar archives: (magic, how to open the stream, MIME type, extension).
_COMPRESSED: list[tuple[bytes, Callable[..., IO[Any]], str, str]] = [
    (b"\x1f\x8b", gzip.open, "application/gzip", ".tar.gz"),
    (b"BZh", bz2.open, "application/x-bzip2", ".tar.bz2"),
    (b"\xfd7zXZ\x00", lzma.open, "application/x-xz", ".tar.xz"),
]
_TAR_MAGIC_AT = 257  # "ustar" in a POSIX or GNU tar header


def _sniff_tar(path: Path, head: bytes) -> Sniffed | None:
    """A tar archive, plain or compressed, judged by its first header only (nothing more is
    decompressed here); None when ``head`` is not one. A compressed stream that is not a tar is
    ``UnsupportedMedia``."""
    if head[_TAR_MAGIC_AT : _TAR_MAGIC_AT + 5] == b"ustar":
        return Sniffed("code", "application/x-tar", ".tar")
    for magic, opener, mime, ext in _COMPRESSED:
        if not head.startswith(magic) or (magic == b"BZh" and head[4:10] != b"1AY&SY"):
            continue
        try:
            with opener(path, "rb") as stream:
                first = stream.read(512)
        except (OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
            raise CorruptMedia(f"corrupt {ext[5:]} stream: {exc}") from None
        if first[_TAR_MAGIC_AT : _TAR_MAGIC_AT + 5] == b"ustar":
            return Sniffed("code", mime, ext)
        raise UnsupportedMedia(f"a {ext[5:]} file that is not a tar archive")
    return None


def _verify_members(zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """Decompress every member as a stream, checking it against its declared size and CRC-32.

    The size check above trusts the central directory; that holds because ``zipfile`` (which
    python-docx and python-pptx read through) never yields more than a member's declared size.
    An archive that lies about a size is cut short there and fails its CRC, which would surface
    deep inside the extractor as an unexpected error; reading here, a chunk at a time (memory
    stays at one chunk), turns the lie into ``CorruptMedia`` before anything parses the XML.
    """
    for info in infos:
        if info.flag_bits & 0x1:
            raise CorruptMedia(f"zip member {info.filename!r} is encrypted: remove the password")
        try:
            with zf.open(info) as member:
                while member.read(_READ_CHUNK):
                    pass
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
            raise CorruptMedia(
                f"zip member {info.filename!r} does not match its declared size and checksum: {exc}"
            ) from None
        except OSError as exc:  # a damaged local header: its offset points outside the file
            raise CorruptMedia(f"zip member {info.filename!r} cannot be read: {exc}") from None


def _as_text(head: bytes) -> str | None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head.decode("utf-16", errors="ignore")
    if b"\x00" in head:
        return None
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:  # a multi-byte character cut by the head's end
            return head[: exc.start].decode("utf-8")
    try:
        text = head.decode("cp1252")
    except UnicodeDecodeError:
        return None
    printable = sum(c.isprintable() or c in "\r\n\t" for c in text)
    return text if printable / max(1, len(text)) > 0.95 else None


def _sniff_code(text: str, filename: str | None) -> Sniffed | None:
    """Text that is source code: a notebook by its content, else by the name's extension or the
    shebang line. Prose, Markdown and settings files stay ``text``."""
    if looks_like_notebook(text):
        return Sniffed("code", "application/x-ipynb+json", ".ipynb")
    found = source_type(filename) if filename else None
    if found is not None and found.role in ("code", "notebook"):
        return Sniffed("code", found.mime, Path(filename or "").suffix.lower())
    by_shebang = shebang_type(text)
    if by_shebang is not None:
        return Sniffed("code", by_shebang.mime, "")
    return None


def _sniff_text(text: str, cut: bool = False) -> Sniffed:
    timed = subtitle_mime(text)  # cue numbers and timing lines are not words
    if timed is not None:
        return Sniffed("text", timed, ".vtt" if timed == VTT_MIME else ".srt")
    lowered = text.lstrip()[:1000].lower()
    if lowered.startswith("{\\rtf"):  # RTF is 7-bit text: its control words would be indexed as words
        return Sniffed("document", "application/rtf", ".rtf")
    markup = _xml_root(lowered)
    if lowered.startswith(("<!doctype html", "<html")) or markup == "html":  # XHTML: after its declaration
        return Sniffed("document", "text/html", ".html")
    if markup is not None:  # its words are the elements' text, not their tags
        svg = markup == "svg"
        return Sniffed("document", "image/svg+xml" if svg else "application/xml", ".svg" if svg else ".xml")
    if "<body" in lowered and "<" in lowered[:5]:
        return Sniffed("document", "text/html", ".html")
    if _looks_json(text, cut):  # read as its values and their keys, not its punctuation
        return Sniffed("text", JSON_MIME, ".json")
    if _looks_markdown(text):
        return Sniffed("text", "text/markdown", ".md")
    if csv_dialect(text) is not None:  # each row is read as a row, not one run-on sentence
        return Sniffed("text", CSV_MIME, ".csv")
    return Sniffed("text", "text/plain", ".txt")


JSON_MIME = "application/json"
CSV_MIME = "text/csv"
_CSV_LINES = 50  # the lines a table's shape is judged by


def csv_dialect(text: str) -> type[csv.Dialect] | None:
    """The dialect of a table of delimited values (comma, semicolon, tab or bar): two or more
    rows, nearly every one with the same number of fields, two or more; None for other text
    (prose has commas too, but not the same number on every line)."""
    lines = [line for line in text.lstrip("\ufeff").splitlines()[:_CSV_LINES] if line.strip()]
    if len(lines) < 2:
        return None
    try:
        dialect = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t|")
    except csv.Error:
        return None
    rows = list(csv.reader(lines, dialect))
    widths = [len(row) for row in rows]
    common = max(set(widths), key=widths.count)
    if common < 2 or widths.count(common) < 0.9 * len(widths):
        return None
    # Verse or prose with a comma a line ("Roses are red, violets are blue.") is not a table.
    sentences = sum(line.rstrip().endswith((".", "!", "?")) for line in lines)
    cells = [len(cell) for row in rows for cell in row]
    return None if sentences > len(lines) / 2 or sum(cells) / len(cells) > 60 else dialect


# An object opening on a key or closing empty; an array opening on a value (not "[a link](…)").
_JSON_START = re.compile(r'\A\s*(?:\{\s*["}]|\[\s*(?:[\[{"\]\d-]|true\b|false\b|null\b))')


def _looks_json(head: str, cut: bool) -> bool:
    """Whether a file's first bytes (``cut``: not the whole file) are JSON, or JSON Lines, or
    would parse but for the cut; "[1] Introduction…" (a numbered list) opens as JSON and goes on
    as prose."""
    text = head.lstrip("\ufeff")
    if not _JSON_START.match(text):
        return False
    try:
        _, end = json.JSONDecoder().raw_decode(text.lstrip())
    except (ValueError, RecursionError):  # RecursionError: nested past what the parser walks
        return cut
    rest = text.lstrip()[end:]
    return not rest.strip() or rest.lstrip(" \t\r").startswith(("\n{", "\n["))


# An XML document's start: its declaration, comments, processing instructions and doctype, then
# its root element's (local) name.
_XML_START = re.compile(
    r"\A(?:<\?xml[^>]*\?>|<!--.*?-->|<\?[^>]*\?>|<!doctype[^>\[]*(?:\[.*?\])?\s*>|\s)*"
    r"<(?:[\w.-]+:)?([\w.-]+)[\s/>]",
    re.S,
)


def _xml_root(lowered: str) -> str | None:
    """The root element's name of an XML document (SVG, XHTML, a feed, a data file), lower-cased;
    None for text that does not start as XML does."""
    if not lowered.startswith(("<?xml", "<svg", "<!doctype svg")):
        return None
    found = _XML_START.match(lowered)
    return found.group(1) if found else None


def _looks_markdown(text: str) -> bool:
    lines = text.splitlines()[:200]
    marks = sum(
        1
        for line in lines
        if line.startswith(("# ", "## ", "### ", "- ", "* ", "> ", "```")) or line.strip().startswith("|")
    )
    return marks >= 2 and marks / max(1, len(lines)) > 0.05
