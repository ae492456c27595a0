"""The embedding step with the real multilingual E5 model: a word the names lack finds its row
by meaning; a word that names no food, or a Spanish word E5 does not carry across, stays
unmatched rather than landing on a wrong row."""

from __future__ import annotations

import numpy as np
import pytest

from mediasift.embed.text.e5 import E5SmallEmbedder
from mediasift.nutrition import FoodMatcher

pytestmark = pytest.mark.slow  # embeds the table's 768 ingredient names (30-80 s on two cores)


@pytest.fixture(scope="module")
def matcher() -> FoodMatcher:
    return FoodMatcher(embedder=E5SmallEmbedder(threads=2))


def test_the_nearest_name_of_an_english_word_is_its_row_above_the_threshold(matcher: FoodMatcher):
    assert matcher.embedder is not None
    names, vectors = matcher._name_vectors()
    scores = vectors @ matcher.embedder.embed_query("mackerel")
    best = int(np.argmax(scores))
    food = matcher.table.get(names[best])
    assert food is not None and food.name == "Mackerel" and scores[best] >= matcher.threshold


def test_words_naming_no_food_and_spanish_words_the_mapping_lacks_stay_unmatched(matcher: FoodMatcher):
    quinotto, pan, sandia, pollo = matcher.match_many(
        [("quinotto", "es", None), ("la sartén", "es", None), ("sandía", "es", None), ("pollo", "es", None)]
    )
    assert quinotto.food is None and quinotto.method == "unmatched"
    assert pan.food is None and sandia.food is None  # not "Sardines", its nearest name
    assert pollo.method == "synonym"  # the mapping answers before the model is asked
