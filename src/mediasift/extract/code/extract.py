"""The ``code`` extractor: a source file, a notebook or a whole repository archive.

A single file's path is the name it was uploaded under; an archive's files keep their paths in
the repository (see ``archives.py`` for what is refused and what is skipped). The media's
``language`` is the programming language most of its code segments are in, and its metadata
counts, under ``metadata.extracted``, what was read: ``files``, ``lines``, ``languages`` (files per
language) and ``skipped`` (files per reason), so a repository that came out smaller than expected
says why. The source files read may hold at most ``max_text_chars`` characters in all (what one
document may), which bounds the segments to embed.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import PurePosixPath

from mediasift.domain import Modality, Segment
from mediasift.errors import CorruptMedia, LimitExceeded, UnsupportedMedia
from mediasift.extract.base import ExtractContext, Extraction
from mediasift.extract.code.archives import ArchiveLimits, Selection, repository_files
from mediasift.extract.code.segments import file_segments
from mediasift.media.source_files import SourceType, decode_source, minified_line, shebang_type, source_type

log = logging.getLogger("mediasift.extract")

ARCHIVES = frozenset(
    {"application/zip", "application/x-tar", "application/gzip", "application/x-bzip2", "application/x-xz"}
)
_NOTEBOOK = "application/x-ipynb+json"


def extract_code(ctx: ExtractContext) -> Extraction:
    if ctx.mime in ARCHIVES:
        return _repository(ctx)
    return _single_file(ctx)


def _single_file(ctx: ExtractContext) -> Extraction:
    size = ctx.path.stat().st_size
    if size > ctx.settings.code_max_file_bytes:
        raise LimitExceeded(
            f"source file of {size} bytes; the limit is {ctx.settings.code_max_file_bytes} "
            "(MEDIASIFT_CODE_MAX_FILE_BYTES)"
        )
    text = decode_source(ctx.path.read_bytes())
    if text is None:
        raise UnsupportedMedia("binary content in a file named as source code")
    if (longest := minified_line(text)) is not None:
        # Cut by syntax, each definition of a one-line bundle was the whole line: 301 copies of it.
        raise UnsupportedMedia(
            f"minified code (a line of {longest:,} characters) is not read; upload the source it was built "
            "from, as a repository skips it"
        )
    if len(text) > ctx.settings.max_text_chars:
        raise LimitExceeded(
            f"source file of {len(text)} characters; the limit is {ctx.settings.max_text_chars}"
        )
    source = _single_file_type(ctx.filename, ctx.mime, text)
    path = PurePosixPath(ctx.filename).name or "source"
    segments = file_segments(ctx, path, text, source)
    languages = Counter({source.language: 1})
    return _extraction(segments, languages, Selection(files=1), lines=line_count(text))


def line_count(text: str) -> int:
    """Lines as an editor numbers them: a last line break ends the last line, it opens no other."""
    return len(text.splitlines()) if text else 0


def _single_file_type(filename: str, mime: str, text: str) -> SourceType:
    if mime == _NOTEBOOK:
        return SourceType("python", _NOTEBOOK, "notebook")
    found = source_type(filename) or shebang_type(text)
    if found is None:
        raise UnsupportedMedia(f"no language known for {filename!r}")
    return found


def _repository(ctx: ExtractContext) -> Extraction:
    settings = ctx.settings
    limits = ArchiveLimits(
        max_files=settings.code_max_files,
        max_bytes=settings.code_max_bytes,
        max_file_bytes=settings.code_max_file_bytes,
        max_depth=settings.code_max_depth,
    )
    selection = Selection()
    segments: list[Segment] = []
    languages: Counter[str] = Counter()
    lines = characters = 0
    for path, text in repository_files(ctx.path, ctx.mime, limits, selection):
        source = source_type(path)
        if source is None:  # repository_files yields only files of a known type
            continue
        characters += len(text)
        if characters > settings.max_text_chars:
            raise LimitExceeded(
                f"the repository's source files hold more than {settings.max_text_chars} characters "
                "(MEDIASIFT_MAX_TEXT_CHARS)"
            )
        try:
            segments.extend(file_segments(ctx, path, text, source))
        except CorruptMedia as exc:  # a notebook left invalid by a merge conflict, say: skip it alone
            log.info("repository of media %s: %s skipped: %s", ctx.media_id, path, exc.message)
            selection.files -= 1
            selection.skipped["unreadable"] += 1
            continue
        languages[source.language] += 1
        lines += line_count(text)
        ctx.progress("extract", min(0.99, selection.done))
    if not segments:
        skipped = ", ".join(f"{n} {reason}" for reason, n in selection.skipped.most_common()) or "none"
        raise UnsupportedMedia(f"the archive holds no source files mediasift reads (skipped: {skipped})")
    return _extraction(segments, languages, selection, lines)


def _extraction(
    segments: list[Segment], languages: Counter[str], selection: Selection, lines: int
) -> Extraction:
    code_languages = Counter(str(s.language) for s in segments if s.modality == Modality.CODE and s.language)
    info = {
        "language": code_languages.most_common(1)[0][0] if code_languages else None,
        "metadata": {
            "files": selection.files,
            "lines": lines,
            "languages": dict(languages.most_common()),
            "skipped": dict(selection.skipped.most_common()),
        },
    }
    return Extraction(segments=segments, info=info)
