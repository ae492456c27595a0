"""The retrieval evaluation's corpus: generated and real media, and the queries with their relevance.

``build(root, distractors, pad)`` writes every media file under ``root`` and returns them with the
queries (``pad`` near-miss sentences around each fact document's facts make it span several chunks:
what judges chunking and its overlap, which a one-chunk document never reaches). Relevance is
stated as *where* the answer is, never as a segment id, so it survives re-chunking and re-ingest: a
media's filename plus a time window (speech: the sentence's second, on-screen text: while the
caption shows), a page or slide, a text fragment the segment must hold, or a code file and line.
Each query has up to two relevance units: the **moment** (grade 2: the sentence, caption, slide,
page, symbol or photo) and, for media with many segments, the rest of the **media** (grade 1).
"""

from __future__ import annotations

import hashlib
import random
import textwrap
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import skimage.data
from PIL import Image, ImageDraw, ImageFont
from tests import mediagen
from tests.code.queries import QUERIES as CODE_QUERIES
from tests.code.queries import REPO as CODE_REPO
from tests.code.queries import definition_line
from tests.docgen import Slide, make_docx, make_html, make_pdf, make_pptx

from bench import retrieval_facts as facts
from mediasift.domain import Hit
from mediasift.extract.code.archives import pack_folder

# bump when the media or the relevance rules change: the cached home is rebuilt. 2: the market
# video's "SUMMER SALE 30% OFF BIKES" is on screen (tests/mediagen.py drew nothing for a "%");
# 3: long captions fit the frame (their first and last letters were cut off by its edges).
CORPUS_VERSION = 3
SPEECH_TOLERANCE_S = 3.0  # a speech hit's second may point up to this long before the sentence
TEXT_FORMATS = ["txt", "md", "html", "docx", "pdf"]
CODE_QUERY_COUNT = 10


@dataclass(slots=True)
class Relevance:
    """Where the answer is: ``filename`` plus at most one locator (all None: anywhere in it)."""

    filename: str
    start_s: float | None = None  # a window of the media's timeline, seconds
    end_s: float | None = None
    page: int | None = None  # PDF page or slide, 1-based
    needle: str | None = None  # text the segment holds (casefolded, spaces collapsed)
    code_path: str | None = None  # a file inside a code archive, and a line it must span
    code_line: int | None = None

    def moment(self, hit: Hit) -> bool:
        if not self.media(hit):
            return False
        if self.start_s is not None and self.end_s is not None:
            at = hit.start_s
            return at is not None and self.start_s - SPEECH_TOLERANCE_S <= at <= self.end_s
        if self.page is not None:
            return hit.page == self.page
        if self.needle is not None:
            return self.needle in _fold(hit.text)
        if self.code_line is not None:
            lo, hi = hit.meta.get("line_start"), hit.meta.get("line_end")
            return lo is not None and hi is not None and int(lo) <= self.code_line <= int(hi)
        return True

    def media(self, hit: Hit) -> bool:
        if hit.filename != self.filename:
            return False
        return self.code_path is None or hit.meta.get("path") == self.code_path


@dataclass(slots=True)
class Query:
    text: str
    kind: str  # en, es, cross, spoken, onscreen, slide, scanned, photo, code
    relevance: Relevance
    media_unit: bool  # whether the rest of the media is a grade-1 unit (it has many segments)
    reference: str | None = None  # a short answer the answering text holds (answer-accuracy set)
    held_out: bool = field(init=False)

    def __post_init__(self) -> None:
        # A fixed split by the query's text: never by its type or its score.
        self.held_out = hashlib.sha256(self.text.encode()).digest()[0] % 2 == 1


@dataclass(slots=True)
class Corpus:
    paths: list[Path]
    queries: list[Query]

    def to_json(self) -> dict[str, Any]:
        return {"paths": [str(p) for p in self.paths], "queries": [asdict(q) for q in self.queries]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Corpus:
        queries = []
        for q in data["queries"]:
            q = dict(q)
            q.pop("held_out")
            queries.append(Query(**{**q, "relevance": Relevance(**q["relevance"])}))
        return cls([Path(p) for p in data["paths"]], queries)


def corpus_key(distractors: int, pad: int = 0) -> str:
    """Names the cached ingest: the facts, this module's rules, the corpus size and padding."""
    digest = hashlib.sha256()
    for module in (facts.__file__, __file__):
        digest.update(Path(module).read_bytes())
    digest.update(f"{CORPUS_VERSION}:{distractors}{f':pad{pad}' if pad else ''}".encode())
    return digest.hexdigest()[:12]


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _needle(sentence: str) -> str:
    return _fold(" ".join(sentence.split()[:5]))


def build(root: Path, distractors: int, pad: int = 0) -> Corpus:
    root.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    queries: list[Query] = []
    _fact_documents(root, paths, queries, pad)
    _speech(root, paths, queries)
    _slides(root, paths, queries)
    _scanned(root, paths, queries)
    _photos(root, paths, queries)
    _code(root, paths, queries)
    _distractors(root, paths, distractors)
    return Corpus(paths, queries)


def _write_document(path: Path, title: str, sentences: list[str]) -> Path:
    fmt = path.suffix.lstrip(".")
    if fmt == "txt":
        path.write_text(title + "\n\n" + " ".join(sentences) + "\n", encoding="utf-8")
    elif fmt == "md":
        path.write_text(f"# {title}\n\n" + "\n\n".join(sentences) + "\n", encoding="utf-8")
    elif fmt == "html":
        make_html(path, title, sentences)
    elif fmt == "docx":
        make_docx(path, [title, *sentences])
    else:
        make_pdf(path, [[title, *textwrap.wrap(" ".join(sentences), 80)]])
    return path


def _fact_documents(root: Path, paths: list[Path], queries: list[Query], pad: int = 0) -> None:
    """Two facts per document with two near misses around them; even facts in English documents,
    odd ones in Spanish. Each fact is asked in its document's language and in the other one.
    ``pad`` more near misses go before, between and after them, at random (``pad=0``: unchanged)."""
    rng = random.Random(7)
    padding = random.Random(13)  # its own generator, so that pad=0 draws what it always drew
    for doc, first in enumerate(range(0, len(facts.FACTS), 4)):
        for lang in ("en", "es"):
            chosen = facts.FACTS[first + (lang == "es") :: 2][:2]
            pool = facts.CONFUSERS_EN if lang == "en" else facts.CONFUSERS_ES
            sentences = [getattr(f, lang) for f in chosen]
            sentences = [rng.choice(pool), sentences[0], rng.choice(pool), sentences[1]]
            for _ in range(pad):
                sentences.insert(padding.randint(0, len(sentences)), padding.choice(pool))
            fmt = TEXT_FORMATS[doc % len(TEXT_FORMATS)]
            title = "Notes" if lang == "en" else "Notas"
            path = _write_document(root / f"notes_{lang}_{doc:02d}.{fmt}", f"{title} {doc}", sentences)
            paths.append(path)
            other = "es" if lang == "en" else "en"
            for fact in chosen:
                rel = Relevance(path.name, needle=_needle(getattr(fact, lang)))
                ref = getattr(fact, f"ref_{lang}")
                queries.append(Query(getattr(fact, f"q_{lang}"), lang, rel, False, ref))
                queries.append(Query(getattr(fact, f"q_{other}"), "cross", rel, False, ref))


def _speech(root: Path, paths: list[Path], queries: list[Query]) -> None:
    for name, script in (
        ("garden_podcast.wav", facts.SPOKEN_GARDEN),
        ("cocina_podcast.wav", facts.SPOKEN_KITCHEN),
    ):
        talk = mediagen.speech_track(
            root / name.split(".")[0], [(lang, s) for lang, s, _, _ in script], name=name
        )
        final = talk.path.rename(root / name)
        paths.append(final)
        for (_, _, question, ref), utt in zip(script, talk.utterances, strict=True):
            queries.append(Query(question, "spoken", Relevance(name, utt.start_s, utt.end_s), True, ref))
    videos = (
        ("city_tour.mp4", facts.SPOKEN_TOUR, facts.CAPTIONS_TOUR),
        ("mercado.mp4", facts.SPOKEN_MARKET, facts.CAPTIONS_MARKET),
    )
    for name, script, captions in videos:
        # Long enough that each caption has a few seconds of its own between sentences.
        plan = mediagen.speech_track(root / f"_{name}_plan", [(lang, s) for lang, s, _, _ in script])
        timed = mediagen.default_captions(plan.duration_s, [c for c, _ in captions])
        talk = mediagen.talk_video(
            root / name.split(".")[0], script=[(lang, s) for lang, s, _, _ in script], captions=timed
        )
        final = talk.path.rename(root / name)
        paths.append(final)
        for (_, _, question, ref), utt in zip(script, talk.utterances, strict=True):
            queries.append(Query(question, "spoken", Relevance(name, utt.start_s, utt.end_s), True, ref))
        for (_, question), cap in zip(captions, timed, strict=True):
            rel = Relevance(name, cap.start_s, cap.end_s)
            queries.append(Query(question, "onscreen", rel, True))


def _slides(root: Path, paths: list[Path], queries: list[Query]) -> None:
    path = make_pptx(root / "team_offsite.pptx", [Slide(title=t, body=b) for t, b, _ in facts.SLIDES])
    paths.append(path)
    for page, (_, _, question) in enumerate(facts.SLIDES, start=1):
        queries.append(Query(question, "slide", Relevance(path.name, page=page), True))


def _scan(lines: list[str]) -> Image.Image:
    font = ImageFont.truetype(str(mediagen.FONT), 40)
    page = Image.new("L", (1275, 1650), 255)  # letter size at 150 DPI
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(lines):
        draw.text((120, 160 + 70 * i), line, fill=20, font=font)
    return page


def _scanned(root: Path, paths: list[Path], queries: list[Query]) -> None:
    path = make_pdf(root / "scanned_papers.pdf", [_scan(lines) for lines, _ in facts.SCANNED])
    paths.append(path)
    for page, (_, question) in enumerate(facts.SCANNED, start=1):
        queries.append(Query(question, "scanned", Relevance(path.name, page=page), True))


def _photos(root: Path, paths: list[Path], queries: list[Query]) -> None:
    source = Path(skimage.data.data_dir)
    names = sorted({name for name, _ in facts.PHOTOS} | set(facts.DISTRACTOR_PHOTOS))
    for name in names:
        image = Image.open(source / name).convert("RGB")
        path = root / f"photo_{Path(name).stem}.jpg"
        image.save(path, quality=90)
        paths.append(path)
    for name, question in facts.PHOTOS:
        queries.append(Query(question, "photo", Relevance(f"photo_{Path(name).stem}.jpg"), False))
    # Pictures whose only text is a glyph or two: what OCR turns into "O" or "★" segments.
    font = ImageFont.truetype(str(mediagen.FONT), 160)
    for i, glyph in enumerate(["O", "★", "x", "O ★"]):
        image = Image.new("RGB", (480, 320), (40 + 50 * i, 90, 140))
        ImageDraw.Draw(image).text((150, 60), glyph, fill=(255, 255, 255), font=font)
        path = root / f"sticker_{i}.png"
        image.save(path)
        paths.append(path)


def _code(root: Path, paths: list[Path], queries: list[Query]) -> None:
    archive = root / "taskrunner.tar.gz"
    pack_folder(CODE_REPO, archive)
    paths.append(archive)
    for q in CODE_QUERIES[:CODE_QUERY_COUNT]:
        rel = Relevance(archive.name, code_path=q.path, code_line=definition_line(q))
        queries.append(Query(q.question, "code", rel, True))


def _distractors(root: Path, paths: list[Path], count: int) -> None:
    """Short documents of near-miss sentences, seven in ten English, in every text format."""
    rng = random.Random(11)
    for i in range(count):
        lang = "es" if rng.random() < 0.3 else "en"
        pool = facts.CONFUSERS_EN if lang == "en" else facts.CONFUSERS_ES
        sentences = rng.sample(pool, rng.randint(3, 6))
        fmt = TEXT_FORMATS[i % len(TEXT_FORMATS)]
        paths.append(_write_document(root / f"misc_{i:03d}.{fmt}", f"Misc {i}", sentences))
