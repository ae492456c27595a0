"""One written form for the text search compares, names read from bytes, and what no catalog stores.

Keyword search, the phrase bonus and filters compare characters, and one word can be written in
several ways that look the same: an accent as its own character ("n" + U+0303, as macOS and some
PDFs write it) or with its letter ("ñ"), a word with an invisible break point inside it. Ingest
writes every extracted text in this form (``extract/base.py``, ``extract/chunking.py``), and search
writes each query, question and filter value in it, so both sides meet:

- composed (Unicode NFC);
- without the characters that never show inside a word: the soft hyphen U+00AD (HTML's ``&shy;``,
  a word processor's or a PDF's optional break), the word joiner U+2060 and the zero-width no-break
  space U+FEFF (a byte-order mark left inside a text);
- a control character that breaks a line (the vertical tab U+000B, which PowerPoint writes inside
  a paragraph, and U+0085) a line break, and any other control character a space: the text model's
  tokenizer deletes them, so "Boiler", U+000B, "service" was embedded as "Boilerservice".
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

_INVISIBLE = "\u00ad\u2060\ufeff"
_BREAKS = "\x0b\x85"
_CONTROLS = "".join(chr(c) for c in (*range(1, 9), *range(14, 32), 127))  # not \t \n \f \r
_TRANSLATE = str.maketrans(
    {**dict.fromkeys(_INVISIBLE, None), **dict.fromkeys(_BREAKS, "\n"), **dict.fromkeys(_CONTROLS, " ")}
)
_SURROGATE = re.compile("[\ud800-\udfff]")
_UNUSUAL = re.compile(f"[{re.escape(_INVISIBLE + _BREAKS + _CONTROLS)}]")


def searchable(text: str) -> str:
    """``text`` composed, its invisible in-word characters removed (its length may change) and its
    control characters made line breaks or spaces."""
    text = unicodedata.normalize("NFC", text)
    if _UNUSUAL.search(text):
        text = text.translate(_TRANSLATE)
    return text


def decoded_name(name: str) -> str:
    """A name Python decoded from bytes that are not UTF-8 (a file's on a Linux disk, a tar
    member's), which it keeps as lone surrogates that no catalog, JSON or HTTP form can hold,
    read as Windows-1252 instead, as older and Windows tools write names ("café.txt"); any other
    name as it is."""
    if name.isascii() or _utf8(name):
        return name
    return name.encode("utf-8", "surrogateescape").decode("cp1252", "replace")


def storable(value: Any) -> Any:
    """``value`` with each NUL character of its strings made a space and each lone surrogate
    U+FFFD, in dicts and lists too: one character for one, so offsets into a text still hold
    (what ``unstorable`` finds, repaired where the text is the media's own, not a request's)."""
    if isinstance(value, str):
        value = value.replace("\x00", " ") if "\x00" in value else value
        return value if value.isascii() or _utf8(value) else _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value


def unstorable(value: Any) -> bool:
    """Whether a parsed JSON (or YAML) value holds a string, a key or a value, with a NUL
    character or a lone surrogate: PostgreSQL refuses the first in text, and no UTF-8 text,
    catalog or JSON answer holds the second."""
    stack = [value]
    while stack:  # not recursive: a document may nest as deep as its parser reads
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item or not _utf8(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
