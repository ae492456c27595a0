"""Nutrition results as sentences an answerer can quote and cite: the facts behind "How many
calories…?", "¿qué ingredientes…?" and "which of my recipes has the most protein?".

``read_question(text)`` says whether a question is about nutrition — which nutrients, the
ingredients, a ranking across media ("most", "least", "más", "menos") — and in which language to
answer (English or Spanish). ``media_facts`` writes one media's results as sentences (its totals
and per serving, each food with its amount, nutrients, the seconds it was said, shown or seen,
and its table row; its ingredients), ``ranking_fact`` one sentence ranking several media by a
nutrient. Each ``Fact`` is one sentence with the media, the second and the table rows it rests
on, so a citation of it points to both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mediasift.nutrition.table import fold

MAIN_NUTRIENTS = ("kcal", "protein_g", "fat_g", "carbs_g", "fiber_g")
MAX_FOOD_FACTS = 12
MAX_LISTED = 25
MAX_RANKED = 5

_NUTRIENT_WORDS = {
    "kcal": ("calorie", "calories", "kcal", "kilocalories", "energy", "caloria", "calorias", "energia"),
    "protein_g": ("protein", "proteins", "proteina", "proteinas"),
    "fat_g": ("fat", "fats", "grasa", "grasas", "lipidos"),
    "carbs_g": ("carb", "carbs", "carbohydrate", "carbohydrates", "carbohidratos", "hidratos", "glucidos"),
    "fiber_g": ("fibre", "fiber", "fibra"),
}
_GENERAL = ("nutrition", "nutrients", "nutritional", "macros", "nutricion", "nutrientes", "nutricional")
_INGREDIENTS = ("ingredient", "ingredients", "ingrediente", "ingredientes", "foods", "alimentos")
_MOST = ("most", "highest", "more", "mas", "mayor")
_LEAST = ("least", "lowest", "fewest", "less", "menos", "menor")
_RANKING_CUES = ("which", "cual", "cuales", "que receta", "que video")
_SPANISH = frozenset(
    {"que", "cual", "cuales", "cuanta", "cuantas", "cuanto", "cuantos", "tiene", "tienen", "esta", "este",
     "receta", "recetas", "mis", "la", "el", "de", "lleva", "hay", "por", "racion", "plato"}
)  # fmt: skip
_NAMES = {
    "en": {
        "kcal": "calories (kcal)",
        "protein_g": "protein",
        "fat_g": "fat",
        "carbs_g": "carbohydrate",
        "fiber_g": "fibre",
    },
    "es": {
        "kcal": "calorías (kcal)",
        "protein_g": "proteína",
        "fat_g": "grasa",
        "carbs_g": "hidratos de carbono",
        "fiber_g": "fibra",
    },
}
_SOURCE_WORDS = {
    "en": {"speech": "said", "ocr": "on screen", "text": "written", "frame": "seen"},
    "es": {"speech": "dicho", "ocr": "en pantalla", "text": "escrito", "frame": "visto"},
}


@dataclass(frozen=True)
class NutritionQuestion:
    nutrients: tuple[str, ...]  # asked, in ``MAIN_NUTRIENTS`` order (all of them for "nutrition")
    ingredients: bool
    ranking: str | None  # "most" | "least" | None
    language: str  # "en" | "es"


@dataclass(frozen=True)
class Fact:
    """One sentence about one media's nutrition (a ranking's: about its first media)."""

    text: str
    media_id: str
    start_s: float | None = None
    end_s: float | None = None
    # the food table rows the sentence rests on: {"food_id", "name", "source_table", "source_row"}
    table_rows: list[dict[str, Any]] = field(default_factory=list)


def read_question(question: str) -> NutritionQuestion | None:
    """What a question asks of nutrition results, or None when it asks nothing of them."""
    words = fold(question).split()
    text = " " + " ".join(words) + " "
    asked = tuple(k for k in MAIN_NUTRIENTS if any(w in words for w in _NUTRIENT_WORDS[k]))
    general = any(w in words for w in _GENERAL)
    ingredients = any(w in words for w in _INGREDIENTS)
    if not asked and not general and not ingredients:
        return None
    ranking = None
    if any(f" {cue} " in text for cue in _RANKING_CUES) or "my" in words or "mis" in words:
        if any(w in words for w in _MOST):
            ranking = "most"
        elif any(w in words for w in _LEAST):
            ranking = "least"
    spanish = question.lstrip().startswith("¿") or sum(w in _SPANISH for w in words) >= 2
    spanish = spanish or any(w in words for w in ("proteina", "calorias", "grasa", "ingredientes", "fibra"))
    return NutritionQuestion(
        nutrients=asked or (MAIN_NUTRIENTS if general or ranking else ()),
        ingredients=ingredients,
        ranking=ranking,
        language="es" if spanish else "en",
    )


def media_facts(
    media_id: str, title: str, results: Mapping[str, Any], asked: NutritionQuestion
) -> list[Fact]:
    """Sentences of one media's results (corrections applied) for ``asked``: its totals when
    nutrients are asked, its ingredients when they are, and each food with its numbers."""
    lang = asked.language
    foods = list(results.get("foods") or [])
    facts: list[Fact] = []
    if asked.nutrients or not asked.ingredients:
        facts.append(_totals_fact(media_id, title, results, asked))
    if asked.ingredients and foods:
        facts.append(_ingredients_fact(media_id, title, foods, lang))
    if asked.nutrients:
        key = asked.nutrients[0]
        ranked = sorted(foods, key=lambda f: -((f.get("nutrients") or {}).get(key) or 0.0))
        facts.extend(_food_fact(media_id, title, f, lang) for f in ranked[:MAX_FOOD_FACTS])
    return facts


def ranking_fact(
    items: Sequence[tuple[str, str, Mapping[str, Any]]], asked: NutritionQuestion
) -> Fact | None:
    """One sentence ranking ``(media_id, title, results)`` by the first nutrient asked, most (or
    least) first; None without media that give that nutrient."""
    lang, key = asked.language, (asked.nutrients or ("kcal",))[0]
    known = [(m, t, r) for m, t, r in items if (r.get("totals") or {}).get(key) is not None]
    if not known:
        return None
    known.sort(key=lambda x: x[2]["totals"][key], reverse=asked.ranking != "least")
    first_id, first_title, first = known[0]
    name = _NAMES[lang][key]
    amount = _amount(first["totals"][key], key, lang)
    per = _amount((first.get("per_serving") or {}).get(key), key, lang)
    others = "; ".join(f"{t}: {_amount(r['totals'][key], key, lang)}" for _, t, r in known[1:MAX_RANKED])
    if lang == "es":
        most = "más" if asked.ranking != "least" else "menos"
        text = f"De tus {len(known)} medios analizados, {first_title} es el que {most} {name} tiene: {amount}"
        text += f" ({per} por ración)" if per and first.get("servings", 1) > 1 else ""
        text += f"; después {others}." if others else "."
    else:
        most = "the most" if asked.ranking != "least" else "the least"
        text = f"Of your {len(known)} analysed media, {first_title} has {most} {name}: {amount}"
        text += f" ({per} per serving)" if per and first.get("servings", 1) > 1 else ""
        text += f"; then {others}." if others else "."
    rows = [_row_ref(f) for f in first.get("foods") or [] if f.get("food_id")]
    return Fact(text, first_id, table_rows=rows)


def _totals_fact(media_id: str, title: str, results: Mapping[str, Any], asked: NutritionQuestion) -> Fact:
    lang = asked.language
    totals, per = results.get("totals") or {}, results.get("per_serving") or {}
    order = list(asked.nutrients) + [k for k in MAIN_NUTRIENTS if k not in asked.nutrients]
    known = [k for k in order if totals.get(k) is not None]
    unknown = [k for k in asked.nutrients if totals.get(k) is None]
    servings = int(results.get("servings") or 1)
    foods = results.get("foods") or []
    if lang == "es":
        text = f"En total, {title} tiene " + _joined([_stated(totals[k], k, lang) for k in known], "y")
        if servings > 1:
            each = _joined([_stated(per.get(k), k, lang) for k in known[:2]], "y")
            text += f"; son {servings} raciones, así que {each} por ración"
        if unknown:
            text += "; la tabla de alimentos no da " + _joined([_NAMES[lang][k] for k in unknown], "ni")
        if not foods:
            text = f"{title} no nombra ni muestra ningún alimento de la tabla"
    else:
        text = f"In total, {title} has " + _joined([_stated(totals[k], k, lang) for k in known], "and")
        if servings > 1:
            each = _joined([_stated(per.get(k), k, lang) for k in known[:2]], "and")
            text += f"; it makes {servings} servings, so {each} per serving"
        if unknown:
            text += "; the food table gives no " + _joined([_NAMES[lang][k] for k in unknown], "or")
        if not foods:
            text = f"{title} names or shows no food of the food table"
    start = min((s for f in foods for s in _seconds(f)), default=None)
    return Fact(text + ".", media_id, start, None, [_row_ref(f) for f in foods if f.get("food_id")])


def _ingredients_fact(media_id: str, title: str, foods: list[dict[str, Any]], lang: str) -> Fact:
    listed = []
    for f in foods[:MAX_LISTED]:
        name = (f.get("name_es") or f["name"]) if lang == "es" else f["name"]
        grams = f"{_number(f['amount_g'], lang)} g" if f.get("amount_g") is not None else ""
        listed.append(f"{name.lower()} ({grams})" if grams else name.lower())
    more = len(foods) - len(listed)
    if lang == "es":
        tail = f" y {more} más" if more > 0 else ""
        text = f"Los ingredientes de {title} son: {_joined(listed, 'y')}{tail}."
    else:
        tail = f" and {more} more" if more > 0 else ""
        text = f"The ingredients of {title} are: {_joined(listed, 'and')}{tail}."
    start = min((s for f in foods for s in _seconds(f)), default=None)
    return Fact(text, media_id, start, None, [_row_ref(f) for f in foods if f.get("food_id")])


def _food_fact(media_id: str, title: str, food: Mapping[str, Any], lang: str) -> Fact:
    name = (food.get("name_es") or food["name"]) if lang == "es" else food["name"]
    grams = f"{_number(food['amount_g'], lang)} g" if food.get("amount_g") is not None else "?"
    nutrients = food.get("nutrients")
    where = _evidence(food, lang)
    conj = "y" if lang == "es" else "and"
    if nutrients:
        known = [k for k in MAIN_NUTRIENTS if nutrients.get(k) is not None]
        values = _joined([_stated(nutrients[k], k, lang) for k in known], conj)
        table, row = food.get("source_table"), food.get("source_row")
        if lang == "es":
            text = (
                f"{name} ({grams}) en {title}: {values}; {where} (tabla de alimentos: {table}, fila {row})."
            )
        else:
            text = f"{name} ({grams}) in {title}: {values}; {where} (food table: {table}, row {row})."
    elif lang == "es":
        text = f"{name} ({grams}) en {title} no está en la tabla de alimentos: no se dan nutrientes; {where}."
    else:
        text = f"{name} ({grams}) in {title} is not in the food table, so no nutrients are given; {where}."
    seconds = _seconds(food)
    evidence = food.get("evidence") or []
    end = next((e.get("end_s") for e in evidence if e.get("start_s") is not None), None)
    refs = [_row_ref(food)] if food.get("food_id") else []
    return Fact(text, media_id, seconds[0] if seconds else None, end, refs)


def _evidence(food: Mapping[str, Any], lang: str) -> str:
    words, seen = _SOURCE_WORDS[lang], []
    for e in food.get("evidence") or []:
        if e.get("start_s") is None:
            continue
        at = "en" if lang == "es" else "at"
        phrase = f"{words.get(e['source'], e['source'])} {at} {clock(e['start_s'])}"
        if phrase not in seen:
            seen.append(phrase)
    if not seen:
        return "sin segundo" if lang == "es" else "with no second"
    return ", ".join(seen[:4])


def evidence_summary(food: Mapping[str, Any], lang: str = "en") -> str:
    """``"00:14 said, 00:31 on screen, 00:40 seen"``: each evidence of a food row, once, in the
    order it comes in the media (what was said and what was shown are found apart)."""
    words, seen = _SOURCE_WORDS[lang], []
    timed = sorted(
        food.get("evidence") or [], key=lambda e: (e.get("start_s") is None, e.get("start_s") or 0.0)
    )
    for e in timed:
        phrase = f"{clock(e['start_s'])} " if e.get("start_s") is not None else ""
        phrase += words.get(e["source"], e["source"])
        if phrase not in seen:
            seen.append(phrase)
    return ", ".join(seen)


def _seconds(food: Mapping[str, Any]) -> list[float]:
    return sorted(e["start_s"] for e in food.get("evidence") or [] if e.get("start_s") is not None)


def _row_ref(food: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "food_id": food.get("food_id"),
        "name": food.get("name"),
        "source_table": food.get("source_table"),
        "source_row": food.get("source_row"),
    }


def _stated(value: float | None, key: str, lang: str) -> str:
    """``"650 calories (kcal)"``, ``"42 g of protein"``, ``"42 g de proteína"``."""
    name = _NAMES[lang][key]
    if key == "kcal":
        return f"{_number(value, lang)} {name}"
    return f"{_number(value, lang)} g {'de' if lang == 'es' else 'of'} {name}"


def _amount(value: float | None, key: str, lang: str) -> str:
    if value is None:
        return ""
    return f"{_number(value, lang)} kcal" if key == "kcal" else f"{_number(value, lang)} g"


def _number(value: float | None, lang: str) -> str:
    """Whole above 10, one decimal below; a decimal comma in Spanish."""
    if value is None:
        return "?"
    text = f"{value:.0f}" if abs(value) >= 10 else f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if lang == "es" else text


def _joined(items: Sequence[str], conj: str) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


def clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60:02d}:{s % 60:02d}"
