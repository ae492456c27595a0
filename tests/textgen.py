"""English and Spanish passages of about 600 characters, made of the hand-written sentences of the
enrichment test sets (tests/enrich/data): varied, real prose, the same for a seed."""

from __future__ import annotations

import json
import random
from functools import cache
from pathlib import Path

DATA = Path(__file__).parent / "enrich" / "data"


@cache
def sentences() -> dict[str, list[str]]:
    """Every distinct sentence of the test sets, by language ("en", "es")."""
    pools: dict[str, list[str]] = {"en": [], "es": []}
    for name, lang in [("ner_en.json", "en"), ("ner_es.json", "es"), ("ner_es_heldout.json", "es")]:
        pools[lang] += [s["text"] for s in json.loads((DATA / name).read_text("utf-8"))["sentences"]]
    for name in ("classify.json", "classify_dev.json"):
        for item in json.loads((DATA / name).read_text("utf-8"))["items"]:
            pools[item["lang"]].append(item["text"])
    transcripts = json.loads((DATA / "transcripts.json").read_text("utf-8"))
    for lang in ("en", "es"):
        pools[lang] += [text for _id, text, _second in transcripts[lang]]
    return {lang: sorted(set(pool)) for lang, pool in pools.items()}


def passages(count: int, seed: int = 0, chars: int = 600) -> list[str]:
    """``count`` passages, English and Spanish in turn: random sentences of one language joined
    until the passage reaches ``chars`` characters."""
    rng = random.Random(seed)
    pools = sentences()
    out = []
    for index in range(count):
        pool = pools["en" if index % 2 == 0 else "es"]
        text = ""
        while len(text) < chars:
            text = f"{text} {rng.choice(pool)}".strip()
        out.append(text)
    return out
