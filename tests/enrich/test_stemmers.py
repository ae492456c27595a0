"""The Snowball stemmers run in C (PyStemmer) and give the pure-Python algorithms' stems.

Search's ranking, ask's evidence, keywords and labels stem every new word they meet through
``snowballstemmer.stemmer``, which hands out PyStemmer's C stemmers when that package is installed
(a dependency for this reason: 12-13x faster a word). Stems are compared, never stored in the
catalog or the index (the index's BM25 has its own analyser), but a search must still read the
same stems it did: these are the same Snowball algorithms, checked word for word here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import snowballstemmer
import Stemmer
from snowballstemmer.english_stemmer import EnglishStemmer
from snowballstemmer.spanish_stemmer import SpanishStemmer

from tests import textgen

DATA = Path(__file__).parent / "data"
DOCS = Path(__file__).parents[2] / "docs"
_WORD = re.compile(r"\w+")


def _words() -> list[str]:
    text = [
        json.dumps(json.loads(path.read_text()), ensure_ascii=False) for path in sorted(DATA.glob("*.json"))
    ]
    text.extend(textgen.passages(200, seed=3))
    text.extend(path.read_text() for path in sorted(DOCS.glob("*.md")))  # the manual: ~5,000 more words
    # Snowball's own corner cases: suffixes, accents, ñ and ü, apostrophes, digits
    text.append(
        "generously generously's dying lying skies news inning outing canning herring earring "
        "proceed exceed succeed andes atlas cosmos bias ugly early only singly "
        "pingüino vergüenza niños años camión canciones rápidamente cantábamos comiéramos "
        "llorándole poniéndoselas 1998 3x 2ª"
    )
    return sorted({w.casefold() for chunk in text for w in _WORD.findall(chunk)})


def test_snowballstemmer_hands_out_the_c_stemmers() -> None:
    assert isinstance(snowballstemmer.stemmer("english"), Stemmer.Stemmer)
    assert isinstance(snowballstemmer.stemmer("spanish"), Stemmer.Stemmer)


def test_the_c_stemmers_give_the_pure_python_algorithms_stems() -> None:
    words = _words()
    assert len(words) > 5000
    for language, pure in (("english", EnglishStemmer()), ("spanish", SpanishStemmer())):
        c = snowballstemmer.stemmer(language)
        differ = [(w, pure.stemWord(w), c.stemWord(w)) for w in words if pure.stemWord(w) != c.stemWord(w)]
        assert differ == [], language
