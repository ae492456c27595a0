"""Which of the entity recogniser's names to believe where capital letters say nothing.

The small spaCy models find names mostly by their capitals, and media are full of capitals that
are not names: a slide's title over its bullets ("Hardware", "Churn"), a sign or caption read off
a frame ("PRESCRIPTION", "PLATFORM 4", "RECIBO DE LA COMUNIDAD"), the first word of a spoken or
written sentence ("Cambia el cepillo…", "Next slide."), a lone article ("El", "La"). On such text
(``tests/enrich/data/ner_media_*.json``) the models' precision was 0.38–0.77.

So a name (not a date or quantity) is kept as found only where its capitals are evidence: inside a
sentence of mixed case. Otherwise:

- a name running across a line break is cut there ("Agenda\\nBudget review"): each line is its own,
  without the marks at its edges ("# Notes");
- a name made only of stopwords is dropped ("El", "Las"), and so is one without a capital letter
  ("matte, satin and gloss", "el router parpadea": the models read shapes and neighbours too);
- a one-word name whose capitals say nothing (below) and that the media writes in lower case
  elsewhere is a common word, dropped ("Customer churn\\nChurn fell…");
- a name that opens its sentence or line, or sits in a line of capitals, is kept only if the
  package's part-of-speech tagger, run on that sentence alone, calls one of its words a proper
  noun (an adjective, for a nationality), and loses the words before it that cannot start a name
  ("Hoy Lucía Torres"). Capitals that say nothing are lowered for the tagger first: a line of
  capitals whole, and in a heading (a short line that does not end as a sentence does: a title,
  a bullet, a sign, a form's field; not a line of prose wrapped at a page's width) the name's
  first word. A name stays a proper noun lowercased ("madrid", "google", "obama"), a common word
  does not ("reunión", "recibo", "prescription").
  A sentence of prose keeps its capitals for the tagger, which reads them as the evidence they
  partly are there: lowercased, "shakira" or "mercadona" opening a sentence became common words.
  A doubted name whose first word is followed by an article and a word in lower case is an
  imperative ("Pela las patatas", "Sofríe la cebolla": a recipe's spoken steps), dropped; a
  greeting is no part of a name ("Hola", "Hola Lucía": Lucía).

On the media sets above, precision 0.56–0.77 → 0.86–1.0 (Spanish held out 0.38 → 0.90), recall the
same or higher (``python -m bench.enrich_quality``); on the news-like sentences of ``ner_en.json``
and ``ner_es.json``, one name lost ("Spotify hired…": an unknown word before a verb, tagged a
verb) and "The United Nations" found without its article. Only the doubted names' sentences are
tagged, ~60 characters of each, in one batch: about two thirds of the recogniser's cost on the
same text, on a small share of it (docs/benchmarks.md, "Names where capitals say nothing").
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

# Tokens before which a word starts a sentence or line, so its capital says nothing.
_OPENERS = frozenset('.!?…:;¿¡•·–—-*#"“”«»(')
# Parts of speech that do not begin a name; trimmed off a checked name's start.
_NOT_A_START = frozenset(
    {"DET", "ADV", "VERB", "AUX", "PRON", "ADP", "CCONJ", "SCONJ", "INTJ", "PUNCT", "SPACE"}
)
# A speaker's or a letter's opening word, which both taggers call a proper noun by its capital
# ("Hola, hoy vamos a preparar…": "Hola" PER).
_GREETINGS = frozenset(
    [
        "hola",
        "hello",
        "hi",
        "hey",
        "bienvenidos",
        "bienvenidas",
        "bienvenido",
        "bienvenida",
        "welcome",
        "gracias",
        "thanks",
        "adiós",
        "goodbye",
        "bye",
        "buenos",
        "buenas",
        "saludos",
        "querido",
        "querida",
        "estimado",
        "estimada",
        "dear",
    ]
)
_HEADING = 48  # characters: a line this short and unpunctuated is a heading, not wrapped prose
_SENTENCE_ENDS = (".", "!", "?", "…", '"', "”", "»", ")")
_WINDOW = 30  # characters of context either side of a doubted name, about (cut at a space)
_BATCH = 64


@dataclass(frozen=True, slots=True)
class Found:
    """A name or other entity as kept: character offsets in the text, and the model's label."""

    start: int
    end: int
    label: str


@dataclass(frozen=True, slots=True)
class _Doubt:
    found: Found
    lowered: str  # capitals lowered before tagging: "line" (a line of them), "word" (a heading's first), ""


def checked(docs: Sequence[Any], name_labels: Iterable[str], tagger: Any | None) -> list[list[Found]]:
    """Each recognised doc's ``ents``, its names checked as the module says (one tagger pass over
    the doubted names of all ``docs``); ``tagger``: a spaCy pipeline that sets ``pos_`` (None:
    names are only cut at lines and stopwords)."""
    names = frozenset(name_labels)
    kept: list[list[Found]] = [[] for _ in docs]
    doubts: list[tuple[int, _Doubt]] = []
    for i, doc in enumerate(docs):
        for ent in doc.ents:
            for piece in _lines(doc, ent.start, ent.end):
                if ent.label_ not in names:
                    kept[i].append(Found(piece.start_char, piece.end_char, ent.label_))
                    continue
                piece = _without_marks(piece)
                if not len(piece) or all(t.is_stop or t.is_punct for t in piece):
                    continue
                found = Found(piece.start_char, piece.end_char, ent.label_)
                if _in_capitals(doc.text, piece):
                    doubts.append((i, _Doubt(found, "line")))
                elif not _opens_sentence(doc, piece):
                    kept[i].append(found)
                elif _in_heading(doc.text, piece):
                    doubts.append((i, _Doubt(found, "word")))
                elif (named := _capitals_within(piece)) is not None:
                    kept[i].append(Found(named.start_char, named.end_char, ent.label_))
                else:
                    doubts.append((i, _Doubt(found, "")))
    if doubts:  # a word the media writes in lower case elsewhere is a common word ("Churn", "churn")
        lowercase = {t.text for doc in docs for t in doc if t.is_lower and t.is_alpha}
        doubts = [(i, d) for i, d in doubts if not _written_lowercase(docs[i].text, d.found, lowercase)]
    if doubts and tagger is not None:
        windows = [_sentence(docs[i].text, doubt) for i, doubt in doubts]
        unique = list(dict.fromkeys(window for _, window in windows))  # a chunk's overlap repeats sentences
        tagged = dict(zip(unique, tagger.pipe(unique, batch_size=_BATCH), strict=True))
        for (i, doubt), (offset, window) in zip(doubts, windows, strict=True):
            if (name := _proper_noun(doubt.found, offset, tagged[window])) is not None:
                kept[i].append(name)
    else:
        for i, doubt in doubts:
            kept[i].append(doubt.found)
    return [
        sorted(
            (f for f in found if f.label not in names or _capitalized(doc.text[f.start : f.end])), key=_start
        )
        for doc, found in zip(docs, kept, strict=True)
    ]


def _start(found: Found) -> int:
    return found.start


def _written_lowercase(text: str, found: Found, lowercase: set[str]) -> bool:
    word = text[found.start : found.end]
    return word.isalpha() and word.lower() in lowercase


def _lines(doc: Any, start: int, end: int) -> Iterator[Any]:
    """The parts of ``doc[start:end]`` between line breaks, without edge whitespace."""
    begin = None
    for i in range(start, end + 1):
        if i == end or (doc[i].is_space and "\n" in doc[i].text):
            if begin is not None:
                yield doc[begin:i]
            begin = None
        elif begin is None and not doc[i].is_space:
            begin = i


def _without_marks(piece: Any) -> Any:
    """A name without the marks at its edges ("# Misc": a Markdown heading's mark is no part of
    it); empty if it is only marks."""
    while len(piece) and not any(c.isalnum() for c in piece[0].text):
        piece = piece[1:]
    while len(piece) and not any(c.isalnum() for c in piece[-1].text):
        piece = piece[:-1]
    return piece


def _capitalized(name: str) -> bool:
    """Whether a name holds a capital letter: English and Spanish write every name with one, and
    the small models, reading a word's shape and neighbours, also label lower-case words ("matte,
    satin and gloss finishes": satin PER; "El router parpadea", once its article is trimmed:
    router MISC)."""
    return any(c.isupper() for c in name)


def _opens_sentence(doc: Any, piece: Any) -> bool:
    if piece.start == 0:
        return True
    before = doc[piece.start - 1]
    return (before.is_space and "\n" in before.text) or before.text in _OPENERS


def _capitals_within(piece: Any) -> Any | None:
    """A prose sentence's opening name whose later words are capitalized too ("Barack Obama",
    "Hoy Lucía Torres"): those capitals are evidence, and it needs no tagger; less its leading
    stopwords. None for one word, or words after the first in lower case."""
    if not any(t.text[:1].isupper() for t in piece[1:]):
        return None
    start = 0
    while start < len(piece) - 1 and (piece[start].is_stop or piece[start].lower_ in _GREETINGS):
        start += 1
    return piece[start:]


def _in_capitals(text: str, piece: Any) -> bool:
    letters = [c for c in piece.text if c.isalpha()]
    return (
        bool(letters)
        and all(c.isupper() for c in letters)
        and not any(c.islower() for c in _line(text, piece))
    )


def _in_heading(text: str, piece: Any) -> bool:
    """Whether ``piece`` is in a short line that ends without a sentence's end: a title, a bullet,
    a sign, a form's field ("Cuota mensual: 60 euros"), where every line opens on a capital. A
    longer one is more likely prose wrapped at a page's width (a PDF's lines), whose capitals the
    tagger reads as they are."""
    line = _line(text, piece).strip()
    return len(line) <= _HEADING and not line.endswith(_SENTENCE_ENDS)


def _line(text: str, piece: Any) -> str:
    start = text.rfind("\n", 0, piece.start_char) + 1
    end = text.find("\n", piece.end_char)
    return text[start : end if end >= 0 else len(text)]


def _proper_noun(found: Found, offset: int, sentence: Any) -> Found | None:
    """``found`` if the tagger calls one of its words a proper noun once its uninformative
    capitals are lowered (a line of capitals whole; a heading's first word): a name stays one
    lowercased ("madrid", "google", "obama"), a common word does not ("reunión", "recibo",
    "prescription"); without the words before that cannot start a name ("Hoy Lucía Torres")."""
    tokens = [t for t in sentence if offset + t.idx < found.end and offset + t.idx + len(t) > found.start]
    if _imperative(tokens):
        return None
    while tokens and (tokens[0].pos_ in _NOT_A_START or tokens[0].lower_ in _GREETINGS):
        tokens.pop(0)
    if any(t.pos_ == "PROPN" or (t.pos_ == "ADJ" and found.label == "NORP") for t in tokens):
        return Found(max(found.start, offset + tokens[0].idx), found.end, found.label)
    return None


def _imperative(tokens: list[Any]) -> bool:
    """Whether a name's first word is followed by an article and a word in lower case: opening its
    sentence, a recipe's or a manual's imperative ("Pela las patatas", "Hornea el pan", "Sofríe la
    cebolla"), which the Spanish tagger calls a proper noun by its capital, where a name is
    followed by its verb ("Shakira canta", "Lucía prepara": lowercased, the tagger reads those
    names as verbs too) or by a capitalized epithet ("Isabel la Católica")."""
    if not tokens or tokens[0].i + 2 >= len(tokens[0].doc):
        return False
    article, word = tokens[0].nbor(1), tokens[0].nbor(2)
    return bool(tokens[0].whitespace_) and article.pos_ == "DET" and word.text[:1].islower()


def _sentence(text: str, doubt: _Doubt) -> tuple[int, str]:
    """The line around a doubted name, at most ``_WINDOW`` characters either side, from the
    sentence it is in, its uninformative capitals lowered: (its offset in ``text``, its text)."""
    found = doubt.found
    start = text.rfind("\n", 0, found.start) + 1
    if found.start - start > _WINDOW:
        start = max(start, text.rfind(" ", start, found.start - _WINDOW) + 1)
    for mark in (". ", "? ", "! ", "… "):
        at = text.rfind(mark, start, found.start)
        if at >= 0:
            start = max(start, at + len(mark))
    end = text.find("\n", found.end)
    end = end if end >= 0 else len(text)
    if end - found.end > _WINDOW:
        cut = text.find(" ", found.end + _WINDOW, end)
        end = cut if cut >= 0 else end
    window = text[start:end]
    if doubt.lowered == "line":
        lowered = window.lower()
    elif doubt.lowered == "word":
        lowered = _first_word_lowered(window, found.start - start)
    else:
        return start, window
    return start, lowered if len(lowered) == len(window) else window  # offsets must still hold


def _first_word_lowered(window: str, at: int) -> str:
    end = at
    while end < len(window) and window[end].isalnum():
        end += 1
    return window[:at] + window[at:end].lower() + window[end:]
