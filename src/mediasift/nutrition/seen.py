"""Foods seen in pictures: an image model's ImageNet labels → ``SeenFood`` rows for ``merge_seen``.

The image model mediasift runs (EfficientNet-Lite0, ``embed/image/``) knows the 1000 ImageNet
classes, a few dozen of which are foods. ``data/nutrition_imagenet_foods.json`` is the reviewed
mapping from those classes to rows of the food table (27 classes; dishes the table lacks and
containers such as "plate" are left out), with the portion of one seen serving where the row's
default portion would be wrong for one item seen (an espresso cup is 30 g, not a 200 g drink).

A label counts when its probability is at least the file's ``min_probability`` (0.35): measured
on mediasift's generated test frames (flat colour scenes with captions) no food class reaches
0.01, while a real photograph of a cup of coffee (scikit-image's ``coffee``) is "espresso" at
0.95. No food-specific model (Food-101 or similar) with its weights in a pip package was found
(docs/nutrition.md), so ImageNet's classes are the floor and the ceiling for now.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from mediasift.nutrition.analysis import SeenFood

MAPPING_FILE = "nutrition_imagenet_foods.json"


@dataclass(frozen=True)
class FoodClass:
    label: str  # the ImageNet class name
    food_id: str
    portion_g: float | None  # one seen serving; None: the row's default portion


@dataclass(frozen=True)
class PictureLabels:
    """What the image model said of one picture (a keyframe from ``start_s`` to ``end_s``, or a
    still image with no time): its ranked ``(label, probability)`` pairs."""

    labels: Sequence[tuple[str, float]]
    start_s: float | None = None
    end_s: float | None = None
    frame_key: str | None = None


@cache
def _mapping() -> tuple[dict[str, FoodClass], float]:
    raw = resources.files("mediasift.data").joinpath(MAPPING_FILE).read_text("utf-8")
    data = json.loads(raw)
    classes = {
        label: FoodClass(label, entry["food_id"], entry.get("portion_g"))
        for label, entry in data["classes"].items()
    }
    return classes, float(data["min_probability"])


def food_classes() -> dict[str, FoodClass]:
    """The ImageNet classes that count as a food, by class name."""
    return _mapping()[0]


def min_probability() -> float:
    return _mapping()[1]


def seen_foods(pictures: Iterable[PictureLabels], threshold: float | None = None) -> list[SeenFood]:
    """One ``SeenFood`` per food class a picture shows with at least ``threshold`` probability
    (default: the mapping's ``min_probability``), in picture order."""
    classes, floor = _mapping()
    least = floor if threshold is None else threshold
    found: list[SeenFood] = []
    for picture in pictures:
        for label, probability in picture.labels:
            food = classes.get(label)
            if food is None or probability < least:
                continue
            found.append(
                SeenFood(
                    label=label,
                    confidence=round(float(probability), 4),
                    start_s=picture.start_s,
                    end_s=picture.end_s,
                    frame_key=picture.frame_key,
                    food_id=food.food_id,
                    portion_g=food.portion_g,
                )
            )
    return found
