"""Every name of every food, in the forms the parser scans for and the matcher looks up.

A name is compared *folded* (``table.fold``: lower case, no accents, no punctuation) and, to be
indifferent to plurals, *singularised* word by word with a small rule per language
(``singular``): "tomatoes" and "tomato", "limones" and "limón" give one key. The same function is
applied to names and to text, so a rule only has to be consistent, not linguistically complete.

Where one key could name two rows, the reviewed mapping (``nutrition_names.json``) wins, then the
USDA-based rows, then open-food-calories: "chicken breast" is the raw breast a recipe weighs, not
USDA's roasted one; a table name that a better row already holds is not indexed again.

English text is scanned for the English names (the tables' own names and the mapping's synonyms;
not the sources' alias lists, which mix in Turkish words such as "hindi"),
Spanish text for the mapping's Spanish names: "pan" is bread in Spanish and a frying pan in
English. A one-word name that only open-food-calories knows ("Madeleine", "Perry") counts in text
only with an amount before it: such names are also people and places.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field

import snowballstemmer

from mediasift.nutrition.table import Food, FoodTable, fold, load_food_table

LANGUAGES = ("en", "es")
_STEMMERS = {"en": "english", "es": "spanish"}
_ES_DROP_ES = tuple("lnrdjz")


def singular(word: str, language: str) -> str:
    """A folded word without its plural ending (a consistent key, not always a real word)."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith("ss"):
        return word
    if language == "es":
        if word.endswith("ces") and len(word) > 5:  # nueces → nuez
            return word[:-3] + "z"
        if word.endswith("es") and len(word) > 4 and word[-3] in _ES_DROP_ES:
            return word[:-2]
        return word[:-1]
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("oes", "ches", "shes", "xes", "sses")):
        return word[:-2]
    return word[:-1]


def key_tokens(text: str, language: str) -> tuple[str, ...]:
    return tuple(singular(w, language) for w in fold(text).split())


def stem_key(text: str, language: str) -> str:
    stemmer = snowballstemmer.stemmer(_STEMMERS.get(language, "english"))
    return " ".join(stemmer.stemWords(fold(text).split()))


@dataclass(frozen=True)
class NameEntry:
    food_id: str
    method: str  # exact (the row's own name) | synonym (the reviewed mapping)
    trusted: bool  # may count in text with no amount before it


@dataclass
class NameIndex:
    exact: dict[str, NameEntry] = field(default_factory=dict)
    singular: dict[str, dict[tuple[str, ...], NameEntry]] = field(default_factory=dict)
    stems: dict[str, dict[str, NameEntry]] = field(default_factory=dict)
    longest: int = 1

    def phrase_at(self, tokens: list[str], start: int, language: str) -> tuple[int, NameEntry] | None:
        """The longest name starting at ``tokens[start]`` (singularised folded words): its
        length in tokens and its entry, or None."""
        names = self.singular.get(language, {})
        for n in range(min(self.longest, len(tokens) - start), 0, -1):
            entry = names.get(tuple(tokens[start : start + n]))
            if entry is not None:
                return n, entry
        return None


def table_names(food: Food) -> list[str]:
    """A row's own English names: "White rice (raw)" also as "White rice"; "A / B" as both."""
    names: list[str] = []
    for part in food.name.split("/"):
        part = part.strip()
        if part:
            names.append(part)
            base = re.sub(r"\([^)]*\)", " ", part).strip()
            if base and base != part:
                names.append(base)
    return names


def build_index(table: FoodTable) -> NameIndex:
    index = NameIndex(singular={lang: {} for lang in LANGUAGES}, stems={lang: {} for lang in LANGUAGES})
    mapped = [f for f in table.foods if f.name_es or f.aliases_es]
    usda = [f for f in table.foods if f.food_id.startswith("astra:")]
    others = [f for f in table.foods if not f.food_id.startswith("astra:")]
    for food in mapped:  # the reviewed mapping first: it wins every key it names
        own = {fold(n) for n in table_names(food)}
        for name in food.synonyms_en:
            _add(
                index, name, "en", NameEntry(food.food_id, "exact" if fold(name) in own else "synonym", True)
            )
        for name in food.aliases_es:
            _add(index, name, "es", NameEntry(food.food_id, "synonym", True))
    for group, trusted in ((usda, True), (others, False)):
        for food in group:
            for name in table_names(food):
                many_words = len(fold(name).split()) > 1
                _add(index, name, "en", NameEntry(food.food_id, "exact", trusted or many_words))
    return index


def _add(index: NameIndex, name: str, language: str, entry: NameEntry) -> None:
    folded = fold(name)
    if not folded:
        return
    index.exact.setdefault(folded, entry)
    tokens = key_tokens(name, language)
    index.singular[language].setdefault(tokens, entry)
    index.stems[language].setdefault(stem_key(name, language), entry)
    index.longest = max(index.longest, len(tokens))


_indexes: dict[str, NameIndex] = {}
_lock = threading.Lock()


def default_index(table: FoodTable | None = None) -> NameIndex:
    """The name index of ``table`` (default: the packaged table), built once per process."""
    table = table or load_food_table()
    if table.version not in _indexes:
        with _lock:
            if table.version not in _indexes:
                _indexes[table.version] = build_index(table)
    return _indexes[table.version]
