"""From a mention's words to one row of the food table, or to none.

In order, the first that answers wins:

1. ``exact``: the folded words are a row's own name ("Olive oil", "White rice");
2. ``stemmed``: the same after Snowball stemming in the mention's language, then the other
   language ("chopped tomatoes" → "tomato" is the parser's; "aceitunas negras" → "aceituna negra");
3. ``synonym``: a name of the reviewed mapping (``nutrition_names.json``: "pollo", "maicena",
   "scallion"); its keys were indexed with the table's, so steps 1-3 are one lookup that reports
   which kind of name answered;
4. ``embedding``: the nearest row by meaning — the multilingual E5 text embedder the runtime already
   loads (``Runtime.text_embedder``) compares the words with the English names of the table's
   ingredient rows (drinks, dishes and sweets left out) — when the cosine similarity reaches
   ``threshold`` (0.92). Measured (docs/nutrition.md): English words the lexicon lacks land on
   their row at 0.91-0.94 ("kale", "mackerel"), but single Spanish words do not cross languages
   reliably with multilingual-e5-small ("sandía" is nearest to "Sardines" at 0.875, "caballa" to
   "Eggplant caviar" at 0.850), and non-foods score as high ("la sartén" 0.874). So the threshold
   keeps unknown Spanish words unmatched rather than wrong; Spanish coverage is the mapping's.

Anything else is ``unmatched``: kept with its evidence, never given nutrients.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from mediasift.nutrition.names import LANGUAGES, NameEntry, default_index, key_tokens, stem_key
from mediasift.nutrition.table import Food, FoodTable, fold, load_food_table

DEFAULT_THRESHOLD = 0.92
# Not candidates for the nearest-name step: a cooking word should not land on a cocktail or a dish
NOT_NEAREST = frozenset({"beverages", "prepared", "sweets"})
_CONFIDENCE = {"exact": 1.0, "synonym": 0.95, "stemmed": 0.9}


class NameEmbedder(Protocol):
    """What the matcher needs of a text embedder: ``embed/text/base.TextEmbedder`` and the
    runtime's cached one both fit. Vectors are L2-normalised."""

    id: str

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


@dataclass(frozen=True)
class Match:
    phrase: str
    food: Food | None
    method: str  # exact | stemmed | synonym | embedding | unmatched
    score: float  # 1.0 exact … cosine similarity for embedding; 0 unmatched

    @property
    def matched(self) -> bool:
        return self.food is not None


_vectors: dict[tuple[str, str], tuple[list[str], np.ndarray]] = {}
_lock = threading.Lock()


class FoodMatcher:
    """Matches mention words to rows of ``table``. Without an ``embedder`` step 4 is skipped
    (every unknown word is unmatched). Thread-safe; build one per process and reuse it: the
    table's name vectors (768 names: 30-80 s of E5 on two busy cores) are computed on the first
    embedding lookup and kept per (embedder id, table version)."""

    def __init__(
        self,
        table: FoodTable | None = None,
        embedder: NameEmbedder | None = None,
        threshold: float = DEFAULT_THRESHOLD,
    ) -> None:
        self.table = table or load_food_table()
        self.index = default_index(self.table)
        self.embedder = embedder
        self.threshold = threshold

    @property
    def version(self) -> str:
        nearest = f"{self.embedder.id}>={self.threshold}" if self.embedder is not None else "off"
        return f"exact+stemmed+synonym; nearest: {nearest}"

    def lookup(self, phrase: str, language: str, entry: NameEntry | None = None) -> Match:
        """Steps 1-3 only (no model). ``entry``: what the parser already found for the words."""
        if entry is not None:
            return self._entry_match(
                phrase, entry, "stemmed" if fold(phrase) not in self.index.exact else None
            )
        folded = fold(phrase)
        if folded in self.index.exact:
            return self._entry_match(phrase, self.index.exact[folded], None)
        languages = [language] + [lang for lang in LANGUAGES if lang != language]
        for lang in languages:
            hit = self.index.singular.get(lang, {}).get(key_tokens(phrase, lang))
            if hit is None:
                hit = self.index.stems.get(lang, {}).get(stem_key(phrase, lang))
            if hit is not None:
                return self._entry_match(phrase, hit, "stemmed")
        return Match(phrase, None, "unmatched", 0.0)

    def match(self, phrase: str, language: str, entry: NameEntry | None = None) -> Match:
        return self.match_many([(phrase, language, entry)])[0]

    def match_many(self, items: Sequence[tuple[str, str, NameEntry | None]]) -> list[Match]:
        """Steps 1-4 for many mentions; the embedding step runs once for all that need it."""
        matches = [self.lookup(phrase, lang, entry) for phrase, lang, entry in items]
        missing = [k for k, m in enumerate(matches) if not m.matched]
        if missing and self.embedder is not None:
            names, vectors = self._name_vectors()
            for k in missing:
                query = self.embedder.embed_query(items[k][0])
                scores = vectors @ query
                best = int(np.argmax(scores))
                if float(scores[best]) >= self.threshold:
                    food = self.table.get(names[best])
                    matches[k] = Match(items[k][0], food, "embedding", round(float(scores[best]), 4))
        return matches

    def _entry_match(self, phrase: str, entry: NameEntry, method: str | None) -> Match:
        food = self.table.get(entry.food_id)
        kind = entry.method if entry.method == "synonym" else (method or entry.method)
        return Match(phrase, food, kind, _CONFIDENCE[kind])

    def _name_vectors(self) -> tuple[list[str], np.ndarray]:
        assert self.embedder is not None
        key = (self.embedder.id, self.table.version)
        if key not in _vectors:
            with _lock:
                if key not in _vectors:
                    foods = [f for f in self.table.foods if f.category not in NOT_NEAREST]
                    vectors = self.embedder.embed_passages([f.name for f in foods])
                    _vectors[key] = ([f.food_id for f in foods], np.asarray(vectors, dtype=np.float32))
        return _vectors[key]
