"""What a source file is, from its name and its first bytes, and whether a repository's file is
worth indexing.

Probing (``sniff.py``) and code extraction (``extract/code/``) share these rules: a file's
language comes from its extension (or a few well-known names, or a shebang line); a notebook is
JSON that says ``nbformat``. A name only ever refines bytes already known to be text: binary bytes
are never read as code because of what a file is called.

A repository's file is skipped when it is vendored (a dependency folder such as
``node_modules/``), generated (minified, a protobuf stub, or marked "DO NOT EDIT"), binary, or not
a kind of file mediasift reads; ``skip_reason`` and ``content_skip_reason`` say which.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath


@dataclass(frozen=True, slots=True)
class SourceType:
    """``role``: ``code`` (parsed by syntax), ``notebook`` (Jupyter), ``docs`` (prose: README,
    Markdown) or ``config`` (settings files, read as lines). ``grammar`` names the parser where it
    differs from the language (``tsx``)."""

    language: str
    mime: str
    role: str
    grammar: str | None = None


def _code(language: str, mime: str, grammar: str | None = None) -> SourceType:
    return SourceType(language, mime, "code", grammar)


_PYTHON = _code("python", "text/x-python")
_JAVASCRIPT = _code("javascript", "text/javascript")
_TYPESCRIPT = _code("typescript", "text/x-typescript")
_C = _code("c", "text/x-c")
_CPP = _code("cpp", "text/x-c++")
_SHELL = _code("shell", "text/x-shellscript")

BY_EXTENSION: dict[str, SourceType] = {
    ".py": _PYTHON,
    ".pyi": _PYTHON,
    ".js": _JAVASCRIPT,
    ".mjs": _JAVASCRIPT,
    ".cjs": _JAVASCRIPT,
    ".jsx": _JAVASCRIPT,
    ".ts": _TYPESCRIPT,
    ".mts": _TYPESCRIPT,
    ".cts": _TYPESCRIPT,
    ".tsx": _code("typescript", "text/x-typescript", grammar="tsx"),
    ".go": _code("go", "text/x-go"),
    ".rs": _code("rust", "text/x-rust"),
    ".java": _code("java", "text/x-java"),
    ".c": _C,
    ".h": _C,
    ".cc": _CPP,
    ".cpp": _CPP,
    ".cxx": _CPP,
    ".hh": _CPP,
    ".hpp": _CPP,
    ".hxx": _CPP,
    ".sql": _code("sql", "application/sql"),
    ".sh": _SHELL,
    ".bash": _SHELL,
    ".zsh": _SHELL,
    ".ipynb": SourceType("python", "application/x-ipynb+json", "notebook"),
    ".md": SourceType("markdown", "text/markdown", "docs"),
    ".markdown": SourceType("markdown", "text/markdown", "docs"),
    ".rst": SourceType("rst", "text/x-rst", "docs"),
    ".txt": SourceType("text", "text/plain", "docs"),
    ".toml": SourceType("toml", "application/toml", "config"),
    ".yaml": SourceType("yaml", "application/yaml", "config"),
    ".yml": SourceType("yaml", "application/yaml", "config"),
    ".ini": SourceType("ini", "text/plain", "config"),
    ".cfg": SourceType("ini", "text/plain", "config"),
}
BY_NAME: dict[str, SourceType] = {
    "Makefile": SourceType("make", "text/x-makefile", "config"),
    "Dockerfile": SourceType("dockerfile", "text/x-dockerfile", "config"),
    "Containerfile": SourceType("dockerfile", "text/x-dockerfile", "config"),
}
_SHEBANGS = {"python": _PYTHON, "node": _JAVASCRIPT, "bash": _SHELL, "sh": _SHELL, "zsh": _SHELL}

# Folders of other people's code, tool caches and build output: never indexed.
VENDORED_FOLDERS = frozenset(
    {
        ".git", ".hg", ".svn", "node_modules", "bower_components", "jspm_packages", "vendor",
        "third_party", "thirdparty", "Pods", "Carthage", ".venv", "venv", "site-packages",
        "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".tox", ".nox", ".idea",
        ".vscode", "dist", "build", "target", ".next", ".nuxt", "coverage", ".gradle",
        ".ipynb_checkpoints", ".terraform",
    }
)  # fmt: skip
# Names of generated files: minified bundles, source maps, protobuf and gRPC stubs.
_GENERATED_NAME = re.compile(
    r"(\.min\.(js|css)|\.map|_pb2(_grpc)?\.pyi?|\.pb\.(go|cc|h)|\.pb\.gw\.go|\.generated\.\w+|\.g\.\w+)$"
)
# What code generators write near the top of what they make.
_GENERATED_MARK = re.compile(
    r"@generated|do not edit|code generated .* do not edit|auto-?generated|automatically generated",
    re.IGNORECASE,
)
_MARK_LINES = 12
_MINIFIED_LINE = 2000  # characters: a line this long is a bundle, not code people read
_MINIFIED_MEAN = 300


# The languages code segments are tagged with (``Segment.language``: "python", "go"…).
CODE_LANGUAGES = frozenset(t.language for t in BY_EXTENSION.values() if t.role in ("code", "notebook"))


def source_type(name: str) -> SourceType | None:
    """The kind of source file ``name`` (a path or a file name) is, or None for other files."""
    base = PurePosixPath(name.replace("\\", "/")).name
    if base in BY_NAME:
        return BY_NAME[base]
    suffix = PurePosixPath(base).suffix.lower()
    return BY_EXTENSION.get(suffix)


def shebang_type(text: str) -> SourceType | None:
    """The language a ``#!`` first line names (``#!/usr/bin/env python3``, ``#!/bin/bash``)."""
    if not text.startswith("#!"):
        return None
    words = text[2:].split("\n", 1)[0].replace("/", " ").split()
    for word in reversed(words):
        found = _SHEBANGS.get(re.sub(r"[\d.]+$", "", word))
        if found is not None:
            return found
    return None


def looks_like_notebook(text: str) -> bool:
    """The start of a Jupyter notebook's JSON: an object whose first key is ``cells`` (Jupyter
    writes its keys sorted), holding cells with a ``cell_type``."""
    head = text.lstrip()
    return head.startswith("{") and '"cells"' in head[:200] and '"cell_type"' in head


def skip_reason(path: str) -> str | None:
    """Why a repository file is skipped from its path alone: ``vendored`` (inside a dependency,
    cache or build folder), ``generated`` (a generated file's name) or ``unsupported`` (a kind
    of file mediasift does not read); None when it is read."""
    parts = path.split("/")
    if any(part in VENDORED_FOLDERS for part in parts[:-1]):
        return "vendored"
    if _GENERATED_NAME.search(parts[-1].lower()):
        return "generated"
    if source_type(parts[-1]) is None:
        return "unsupported"
    return None


def content_skip_reason(text: str) -> str | None:
    """``generated`` for a file its first lines mark as generated or that is minified, else None."""
    head = "\n".join(text.splitlines()[:_MARK_LINES])
    if _GENERATED_MARK.search(head) or minified_line(text) is not None:
        return "generated"
    return None


def minified_line(text: str) -> int | None:
    """The length of a minified file's longest line (a bundle: few lines, each thousands of
    characters long); None for source as people write it."""
    lines = text.splitlines() or [""]
    longest = max(len(line) for line in lines)
    if longest > _MINIFIED_LINE or (len(text) > 4096 and len(text) / len(lines) > _MINIFIED_MEAN):
        return longest
    return None


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


def _has_utf8_sequences(data: bytes) -> bool:
    """Whether ``data`` holds multi-byte UTF-8 sequences (text in Latin-1 rarely does)."""
    return _UTF8_SEQUENCE.search(data) is not None


def decode_source(data: bytes) -> str | None:
    """``data`` as text (UTF-8, a BOM dropped, else Latin-1 when it reads as text); None for binary."""
    if b"\x00" in data[:8192]:
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # UTF-8 with a stray byte or two (a file pasted together) stays UTF-8: read as Latin-1, every
    # accent in it had become two letters ("cafÃ©").
    text = data.decode("utf-8-sig", errors="replace")
    if text.count("\ufffd") <= max(2, len(text) // 1000) and _has_utf8_sequences(data):
        return text
    text = data.decode("cp1252", errors="replace")
    readable = sum(c.isprintable() or c in "\r\n\t" for c in text[:8192])
    return text if readable / max(1, min(len(text), 8192)) > 0.98 else None
