"""Image labels as searchable text: an ImageNet class name expanded with its WordNet hypernyms.

``tag_text("tabby cat")`` → ``"tabby cat, tabby, domestic cat, cat, feline, carnivore, mammal,
vertebrate, animal"``, so a query for "a cat" (or, through the multilingual text embeddings,
"un gato") finds a photo the classifier called a tabby. The chains come from Princeton WordNet 3.0
and are shipped as data (``data/imagenet_classes.json``, built by
``scripts/build_imagenet_classes.py``); nothing is looked up at run time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

# A label below this probability is a guess not worth indexing; the top-1 is always kept.
MIN_PROBABILITY = 0.10
MAX_TAGS = 3


@dataclass(slots=True, frozen=True)
class Tag:
    label: str  # the classifier's class name
    text: str  # label, synonyms and hypernyms, comma-separated
    probability: float  # in [0, 1]


@cache
def _terms_by_name() -> dict[str, list[str]]:
    data = json.loads(files("mediasift.data").joinpath("imagenet_classes.json").read_text("utf-8"))
    terms: dict[str, list[str]] = {}
    for entry in data["classes"]:
        # Names may repeat ("missile" is two classes): merge their terms.
        terms.setdefault(entry["name"], []).extend([entry["name"], *entry["synonyms"], *entry["hypernyms"]])
    return terms


def tag_text(label: str) -> str:
    """The label followed by its synonyms and hypernyms, each once, most specific first."""
    seen: dict[str, str] = {}
    for term in _terms_by_name().get(label, [label]):
        seen.setdefault(term.lower(), term)
    return ", ".join(seen.values())


def tags_for(labels: list[tuple[str, float]], min_probability: float = MIN_PROBABILITY) -> list[Tag]:
    """Tags for one image's ranked labels: the top-1, plus up to ``MAX_TAGS`` confident ones."""
    kept = [(name, p) for i, (name, p) in enumerate(labels) if i == 0 or p >= min_probability]
    merged: dict[str, float] = {}
    for name, probability in kept[:MAX_TAGS]:
        merged[name] = merged.get(name, 0.0) + probability  # duplicate names add up
    return [Tag(label=name, text=tag_text(name), probability=round(p, 4)) for name, p in merged.items()]
