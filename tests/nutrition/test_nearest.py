"""The embedding step with the real multilingual E5 model: a word the names lack finds its row
by meaning; a word that names no food, or a Spanish word E5 does not carry across, stays
unmatched rather than landing on a wrong row."""

from __future__ import annotations

import pytest

from mediasift.embed.text.e5 import E5SmallEmbedder
from mediasift.nutrition import FoodMatcher

pytestmark = pytest.mark.slow  # embeds the table's 768 ingredient names (30-80 s on two cores)


@pytest.fixture(scope="module")
def matcher() -> FoodMatcher:
    return FoodMatcher(embedder=E5SmallEmbedder(threads=2))


def test_words_the_names_lack_are_matched_by_meaning_or_kept_unmatched(matcher: FoodMatcher):
    matches = matcher.match_many(
        [
            ("mackerel fillets", "en", None),
            ("quinotto", "es", None),
            ("la sartén", "es", None),
            ("pollo", "es", None),
        ]
    )
    mackerel, quinotto, pan, pollo = matches
    assert mackerel.method == "embedding" and mackerel.food is not None and "Mackerel" in mackerel.food.name
    assert mackerel.score >= matcher.threshold
    assert quinotto.food is None and quinotto.method == "unmatched"
    assert pan.food is None
    assert pollo.method == "synonym"  # the mapping answers before the model is asked
