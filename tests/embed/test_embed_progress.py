"""A media's embed progress moves with the work done: by characters, not by texts."""

from __future__ import annotations

from mediasift.runtime import Runtime
from mediasift.services.text_vectors import embed_texts


def test_progress_counts_characters_so_short_texts_first_do_not_run_ahead(runtime: Runtime) -> None:
    runtime.settings.embed_batch = 16
    # A table's shape: many one-row sentences (embedded first, being shortest) and a few passages.
    rows = [(f"row{i}", f"Row {i}: 12 g of oats") for i in range(48)]
    passages = [(f"p{i}", "text", "Oats, milk and honey make a breakfast porridge. " * 30) for i in range(16)]
    said: list[float] = []

    vectors = embed_texts(runtime, "t", passages, lambda stage, fraction: said.append(fraction), extra=rows)

    assert len(vectors) == 64
    assert said[-1] == 1.0 and said == sorted(said)
    # three batches of rows were three quarters of the texts and under a tenth of the characters
    assert said[2] < 0.1, said
