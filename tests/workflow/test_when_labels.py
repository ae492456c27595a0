"""A workflow's ``when`` step adds its labels once, whatever classified the media already, and
only labels its taxonomies still hold."""

from __future__ import annotations

import io

import pytest

from mediasift.catalog import enrichments
from mediasift.errors import NotFound
from mediasift.runtime import Runtime
from mediasift.services import taxonomies, workflow_steps
from mediasift.services.ingest import ingest_stream

THEN = [
    {"label": {"taxonomy": "temas", "value": "cocina"}},
    {"label": {"taxonomy": "revision", "value": "revisar"}},
]


def _taxonomy(*names: str) -> dict:
    return {"labels": [{"name": name, "description": f"about {name}"} for name in names]}


def _when_step(runtime: Runtime) -> tuple[str, workflow_steps._Step]:
    taxonomies.put_taxonomy(runtime, "default", "temas", _taxonomy("cocina", "viajes"))
    taxonomies.put_taxonomy(runtime, "default", "revision", _taxonomy("revisar"))
    media = ingest_stream(runtime, "default", io.BytesIO(b"Arroz con pollo para cuatro."), "receta.txt").media
    step = workflow_steps._Step(
        "job", "when.1", {"when": "kind == 'text' or true", "then": THEN}, "default", media.id
    )
    return media.id, step


def test_a_when_label_the_media_has_already_is_not_added_twice(runtime: Runtime) -> None:
    media_id, step = _when_step(runtime)
    classified = {"taxonomy": "temas", "label": "cocina", "score": 0.9997}
    with runtime.catalog.session() as s:
        enrichments.save_fields(s, "default", media_id, {"labels": [classified]})

    for _ in range(2):  # and run again, as apply --rerun-changed does
        result, skipped = workflow_steps._when(runtime, step, lambda *_: None)
        assert result == {"matched": True, "labels": ["temas:cocina", "revision:revisar"]} and not skipped
        with runtime.catalog.read_session() as s:
            labels = enrichments.get_enrichment(s, "default", media_id).labels
        assert labels == [
            classified,
            {"taxonomy": "revision", "label": "revisar", "score": 1.0, "by": "when.1"},
        ]


@pytest.mark.parametrize("change", ["deleted", "label dropped"])
def test_a_when_step_whose_taxonomy_lost_its_label_fails_and_labels_nothing(
    runtime: Runtime, change: str
) -> None:
    media_id, step = _when_step(runtime)
    if change == "deleted":
        taxonomies.delete_taxonomy(runtime, "default", "revision")
    else:
        taxonomies.put_taxonomy(runtime, "default", "temas", _taxonomy("viajes"))
    with pytest.raises(NotFound, match="revision" if change == "deleted" else "no label 'cocina'"):
        workflow_steps._when(runtime, step, lambda *_: None)
    with runtime.catalog.read_session() as s:
        row = enrichments.get_enrichment(s, "default", media_id)
    assert not (row and [x for x in row.labels if x.get("by") == "when.1"])
