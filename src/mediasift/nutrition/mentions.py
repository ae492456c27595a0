"""Food mentions in a text, English or Spanish: the food, how much, in which unit, where.

``parse_mentions(text, language)`` scans the text's words for the foods' names (``names.py``:
longest name first, plurals folded) and reads a quantity and a unit before each ("200 gramos de
pollo", "two tablespoons of olive oil", "una taza de arroz", "½ cup sugar", "3 huevos") or right
after it, as on-screen ingredient lists put them ("Harina: 500 g"). After a quantity and a unit,
words that name no food are still a mention ("200 g de quinotto"): the matcher then finds the
nearest food by meaning or keeps it unmatched.

Not counted: a food in a negated clause ("no le pongas azúcar", "without sugar", "sin sal ni
pimienta", "sugar-free", "instead of butter") unless the negation is of forgetting ("don't forget
the salt", "no olvides la sal"); a food naming a tool ("a bread knife", "the rice cooker",
"cuchillo de pan", "molinillo de pimienta"); a bare number before a non-unit ("10 minutes").

A mention is ``additive`` when it says it comes on top of an earlier one ("another tablespoon of
oil", "dos cucharadas más de aceite", "otra taza de caldo"): ``analysis.py`` sums those and
otherwise takes the largest stated amount of a food, since recipes repeat their ingredients.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from mediasift.nutrition.names import NameEntry, NameIndex, default_index, singular
from mediasift.nutrition.quantities import ARTICLES, read_quantity
from mediasift.nutrition.table import fold
from mediasift.nutrition.words import (
    ADDITIVE_AFTER,
    ADDITIVE_BEFORE,
    ANOTHER,
    ARTICLES_AND_DETERMINERS,
    CONNECTORS,
    DESCRIPTORS,
    NEGATION_BRIDGE,
    NEGATOR_PHRASES,
    NEGATORS,
    NOT_FOODS,
    STOP,
    TOOLS_AFTER,
    TOOLS_BEFORE,
    UNIT_QUALIFIERS,
    UNIT_WORDS,
)

# What a number counts when it is servings, not an amount of the food before it.
SERVINGS = frozenset(
    {"raciones", "racion", "personas", "persona", "porciones", "porcion", "comensales", "servings",
     "serving", "serves", "people", "persons", "portions", "portion"}
)  # fmt: skip
_TOKEN = re.compile(r"\d+(?:[.,]\d+)?(?:/\d+)?|[½¼¾⅓⅔⅛⅜⅝⅞]|[^\W\d_]+|[^\w\s]")


@dataclass(frozen=True)
class Mention:
    """One food said or written. Character offsets are into the text given; ``quantity`` and
    ``unit`` are None when not stated; ``entry`` is the name-index hit (None for words after an
    amount that name no known food)."""

    food: str  # the words naming the food, as written
    quantity: float | None
    unit: str | None  # canonical: g, kg, ml, cup, tbsp, tsp, pinch, clove, slice, piece…
    amount_text: str  # "200 gramos", "2 cucharadas más", "" when none
    start: int
    end: int
    food_start: int
    food_end: int
    language: str
    additive: bool = False
    entry: NameEntry | None = None


@dataclass(frozen=True)
class _Tok:
    text: str
    word: str  # folded
    key: str  # folded and singularised
    start: int
    end: int


def _tokens(text: str, language: str) -> list[_Tok]:
    toks = []
    for m in _TOKEN.finditer(text):
        raw = m.group(0)
        word = raw.lower() if raw[0].isdigit() or raw in "½¼¾⅓⅔⅛⅜⅝⅞" else fold(raw) or raw
        toks.append(_Tok(raw, word, singular(word, language), m.start(), m.end()))
    return toks


def parse_mentions(text: str, language: str, index: NameIndex | None = None) -> list[Mention]:
    """Every counted food mention in ``text`` (``language``: "en" or "es"), in reading order."""
    index = index or default_index()
    lang = language if language in ("en", "es") else "en"
    toks = _tokens(text, lang)
    words = [t.word for t in toks]
    keys = [t.key for t in toks]
    mentions: list[Mention] = []
    i = 0
    while i < len(toks):
        found = _amount_first(toks, words, keys, i, lang, index, text)
        if found is None:
            found = _food_first(toks, words, keys, i, lang, index, text)
        if found is None:
            i += 1
            continue
        mention, i = found
        if mention is None:
            continue
        if mention.unit is None and mention.additive and mentions and fold(mention.amount_text) in ANOTHER:
            # "una cucharadita de comino y otra de pimentón": the unit said before
            mention = replace(mention, unit=mentions[-1].unit)
        food_at = _index_of(toks, mention.food_start)
        negated = _negated(words, _index_of(toks, mention.start), food_at)
        if not negated and not _tool(words, food_at, _index_of(toks, mention.food_end - 1)):
            mentions.append(mention)
    return mentions


def _index_of(toks: list[_Tok], char: int) -> int:
    for k, t in enumerate(toks):
        if t.start <= char < t.end:
            return k
    return len(toks) - 1


def _skip(words: list[str], j: int, vocabulary: frozenset[str], limit: int = 3) -> int:
    n = 0
    while j < len(words) and words[j] in vocabulary and n < limit:
        j, n = j + 1, n + 1
    return j


def _amount_first(
    toks: list[_Tok], words: list[str], keys: list[str], i: int, lang: str, index: NameIndex, text: str
) -> tuple[Mention | None, int] | None:
    """QUANTITY [UNIT] [more] [of|de] FOOD, or "another"/"otra" UNIT of FOOD."""
    additive = words[i] in ADDITIVE_BEFORE
    start = i
    q_at = i + 1 if additive and words[i] in {"another", "more", "additional"} else i
    quantity = read_quantity(words, q_at)
    implied = quantity is None  # "another", "otra": one more, no number said
    if quantity is None and additive and words[i] in {"otra", "otras", "otro", "otros"}:
        quantity = (1.0, i + 1)  # "otra cucharada de aceite": one more
        if i + 1 < len(words) and (q := read_quantity(words, i + 1, articles=False)) is not None:
            quantity, implied = q, False  # "otras dos cucharadas"
    if quantity is None and additive and q_at < len(words) and words[q_at] in UNIT_WORDS:
        quantity = (1.0, q_at)  # "another tablespoon of oil"
    if quantity is None:
        return None
    value, j = quantity
    j = _skip(words, j, DESCRIPTORS - CONNECTORS, 2)
    if value < 1 and j + 1 < len(words) and words[j] == "de" and words[j + 1] in UNIT_WORDS:
        j += 1  # "un cuarto de kilo de queso": a fraction of the unit
    unit = UNIT_WORDS.get(words[j]) if j < len(words) else None
    if unit is None and j + 1 < len(words) and words[j] == "fl" and words[j + 1] == "oz":
        unit, j = "ml", j + 1
        value *= 29.5735
    unit_end = j
    if unit is not None:
        if j + 1 < len(words) and words[j + 1] == "." and len(words[j]) <= 4:
            j += 1  # "100 g. de jamón", "250 gr. de harina": an abbreviation's full stop
        j = _skip(words, j + 1, UNIT_QUALIFIERS - {"de"}, 2)
        # "una taza y media de arroz"
        if j + 1 < len(words) and words[j] in {"y", "and"} and words[j + 1] in {"media", "medio", "half"}:
            value, j = value + 0.5, j + 2
    if j < len(words) and words[j] in ADDITIVE_AFTER:
        additive, j = True, j + 1
    amount_end = j
    j = _skip(words, j, CONNECTORS | ARTICLES_AND_DETERMINERS, 2)
    hit = _food_at(keys, words, j, lang, index)  # "ground beef" before "ground" as a descriptor
    named_at = j
    if hit is None:  # "2 large eggs", "tomates maduros": a name after the descriptors
        j = _skip(words, j, DESCRIPTORS, 4)
        hit = _food_at(keys, words, j, lang, index)
    if hit is None:  # "all-purpose flour", "whole-wheat flour", "extra-virgin olive oil"
        found = _past_compounds(keys, words, named_at, lang, index) or _past_compounds(
            keys, words, j, lang, index
        )
        if found is not None:
            j, hit = found
    if hit is None and unit is not None and words[unit_end] in {"dientes", "diente"}:
        return None  # "dientes" with no food after is a tooth, not garlic
    if hit is None and implied:
        return None  # "in another bowl, whisk…": a container, not an amount of an unnamed food
    if hit is not None:
        n, entry = hit
        end = j + n
        food_text = text[toks[j].start : toks[end - 1].end]
        mention = Mention(
            food=food_text,
            quantity=value,
            unit=unit,
            amount_text=text[toks[start].start : toks[amount_end - 1].end] if amount_end > start else "",
            start=toks[start].start,
            end=toks[end - 1].end,
            food_start=toks[j].start,
            food_end=toks[end - 1].end,
            language=lang,
            additive=additive,
            entry=entry,
        )
        return mention, end
    if unit is None or (words[q_at] in ARTICLES and unit in {"can", "glass", "bowl", "plate", "leaf"}):
        return None
    # an amount and a unit, then words that name no food we know: keep them for the matcher
    end = j
    while end < len(words) and end - j < 3 and toks[end].word.isalpha() and words[end] not in STOP:
        if words[end] in UNIT_WORDS and end > j:
            break
        end += 1
    if end == j:
        return None
    food_text = text[toks[j].start : toks[end - 1].end]
    return (
        Mention(
            food=food_text,
            quantity=value,
            unit=unit,
            amount_text=text[toks[start].start : toks[amount_end - 1].end],
            start=toks[start].start,
            end=toks[end - 1].end,
            food_start=toks[j].start,
            food_end=toks[end - 1].end,
            language=lang,
            additive=additive,
        ),
        end,
    )


def _food_first(
    toks: list[_Tok], words: list[str], keys: list[str], i: int, lang: str, index: NameIndex, text: str
) -> tuple[Mention | None, int] | None:
    """FOOD alone, or FOOD [:|-|,] QUANTITY [UNIT] as ingredient lists write it."""
    hit = _food_at(keys, words, i, lang, index)
    if hit is None:
        return None
    n, entry = hit
    end = i + n
    j = end
    while j < len(words) and words[j] in {":", "-", "(", ","}:
        j += 1
    after = read_quantity(words, j, articles=False) if j < len(words) and j - end <= 1 else None
    if after is not None and after[1] < len(words) and words[after[1]] in SERVINGS:
        after = None  # "tortilla con cebolla (4 raciones)": how many it feeds, not four onions
    if after is not None:
        value, k = after
        unit = UNIT_WORDS.get(words[k]) if k < len(words) else None
        unit_end = k + 1 if unit else k
        # not the amount of the next food: "sal, 2 huevos" leaves the 2 to the eggs, "flour,
        # 1 cup extra-virgin olive oil" the cup to the oil
        following = _skip(words, unit_end, DESCRIPTORS | CONNECTORS, 4)
        compound = _past_compounds(keys, words, _skip(words, unit_end, CONNECTORS, 4), lang, index)
        if index.phrase_at(keys, following, lang) is None and compound is None:
            return (
                Mention(
                    food=text[toks[i].start : toks[end - 1].end],
                    quantity=value,
                    unit=unit,
                    amount_text=text[toks[j].start : toks[unit_end - 1].end],
                    start=toks[i].start,
                    end=toks[unit_end - 1].end,
                    food_start=toks[i].start,
                    food_end=toks[end - 1].end,
                    language=lang,
                    entry=entry,
                ),
                unit_end,
            )
    if not entry.trusted:
        return None, end
    mention = Mention(
        food=text[toks[i].start : toks[end - 1].end],
        quantity=None,
        unit=None,
        amount_text="",
        start=toks[i].start,
        end=toks[end - 1].end,
        food_start=toks[i].start,
        food_end=toks[end - 1].end,
        language=lang,
        entry=entry,
    )
    return mention, end


def _past_compounds(
    keys: list[str], words: list[str], i: int, lang: str, index: NameIndex
) -> tuple[int, tuple[int, NameEntry]] | None:
    """A food named after up to two hyphenated modifiers at word ``i``: "whole-wheat flour" (its
    second part begins the name: "wheat flour"), "all-purpose flour", "extra-virgin olive oil"
    (the name follows them). The name's first word and the hit."""
    for _ in range(2):
        if not (i + 2 < len(words) and words[i + 1] == "-" and words[i].isalpha() and words[i + 2].isalpha()):
            return None
        for at in (i + 2, i + 3):
            hit = _food_at(keys, words, at, lang, index) if at < len(words) else None
            if hit is not None:
                return at, hit
        i += 3
    return None


def _food_at(
    keys: list[str], words: list[str], i: int, lang: str, index: NameIndex
) -> tuple[int, NameEntry] | None:
    """The longest food name at word ``i``, unless the words there name something else
    ("nuez moscada" is nutmeg, not a walnut)."""
    hit = index.phrase_at(keys, i, lang)
    if hit is None:
        return None
    if any(tuple(words[i : i + len(p)]) == p for p in NOT_FOODS):
        return None
    return hit


def _negated(words: list[str], first: int, food_at: int) -> bool:
    """The mention (from word ``first``; its food at ``food_at``) is negated: "-free" / "free"
    right after the food, or a negator before it with only articles, pronouns, quantifiers and
    verbs of adding between ("no le pongas azúcar", "don't add any sugar", "sin sal ni
    pimienta"). A negation of anything else ("do not overcook the chicken") is not of the food."""
    after = words[food_at + 1 : food_at + 3]
    if after[:2] == ["-", "free"] or after[:1] == ["free"]:
        return True
    k = first - 1
    while k >= 0:
        w = words[k]
        if w in NEGATORS or any(tuple(words[k : k + len(p)]) == p for p in NEGATOR_PHRASES):
            return True
        if w == "t" and k >= 2 and words[k - 1] in {"'", "’"}:  # don't, doesn't, didn't
            return True
        if w == "," and k + 1 < len(words) and words[k + 1] in {"ni", "nor", "or", "o"}:
            k -= 1
            continue
        if w not in NEGATION_BRIDGE:
            return False
        k -= 1
    return False


def _tool(words: list[str], first: int, last: int) -> bool:
    """The food names a tool: "bread knife", "rice cooker", "cuchillo de/para (el) pan"."""
    if last + 1 < len(words) and words[last + 1] in TOOLS_AFTER:
        return True
    k = first - 1
    while k >= 0 and words[k] in {"de", "para", "el", "la", "los", "las", "del"}:
        k -= 1
    return k < first - 1 and k >= 0 and words[k] in TOOLS_BEFORE
