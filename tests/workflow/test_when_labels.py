"""A workflow's ``when`` step adds its labels once, whatever classified the media already."""

from __future__ import annotations

import io

from mediasift.catalog import enrichments
from mediasift.runtime import Runtime
from mediasift.services import workflow_steps
from mediasift.services.ingest import ingest_stream


def test_a_when_label_the_media_has_already_is_not_added_twice(runtime: Runtime) -> None:
    media = ingest_stream(runtime, "default", io.BytesIO(b"Arroz con pollo para cuatro."), "receta.txt").media
    classified = {"taxonomy": "temas", "label": "cocina", "score": 0.9997}
    with runtime.catalog.session() as s:
        enrichments.save_fields(s, "default", media.id, {"labels": [classified]})
    then = [
        {"label": {"taxonomy": "temas", "value": "cocina"}},
        {"label": {"taxonomy": "revision", "value": "revisar"}},
    ]
    step = workflow_steps._Step(
        "job", "when.1", {"when": "kind == 'text' or true", "then": then}, "default", media.id
    )

    for _ in range(2):  # and run again, as apply --rerun-changed does
        result, skipped = workflow_steps._when(runtime, step, lambda *_: None)
        assert result == {"matched": True, "labels": ["temas:cocina", "revision:revisar"]} and not skipped
        with runtime.catalog.read_session() as s:
            labels = enrichments.get_enrichment(s, "default", media.id).labels
        assert labels == [
            classified,
            {"taxonomy": "revision", "label": "revisar", "score": 1.0, "by": "when.1"},
        ]
