"""Facet counts and their filters take a term whatever accents or capitals it is written with:
"Ana Botín" in one media and "Ana Botin" in another are one value, and "PER:ana botin" narrows to
both, as search's words do."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from ulid import ULID

from mediasift.catalog.db import Catalog
from mediasift.catalog.facets import count_facet
from mediasift.catalog.models import Media, MediaEnrichment
from mediasift.domain import Filters
from mediasift.services.search import normalize_about

WRITTEN = {  # filename: (entity, keyword, label) as enrichment wrote them
    "a.txt": ("Ana Botín", "Estación", "Bancos"),
    "b.txt": ("Ana Botin", "estacion", "bancos"),
    "c.txt": ("Ana Botín", "Estación", "Bancos"),
    "d.txt": ("José Pérez", "tren", "Viajes"),
}


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    cat = Catalog(f"sqlite:///{tmp_path / 'catalog.db'}")
    cat.migrate()
    with cat.session() as s:
        for i, (name, (person, keyword, label)) in enumerate(WRITTEN.items()):
            media_id = str(ULID())
            s.add(
                Media(
                    id=media_id, tenant_id="t", collection="default", filename=name, kind="text",
                    bytes=10, sha256=f"{i:064d}", original_key=f"raw/t/{media_id}/original", status="ready",
                )
            )  # fmt: skip
            s.flush()
            s.add(
                MediaEnrichment(
                    media_id=media_id, tenant_id="t", summary=[], notes=[], models=[], languages=["es"],
                    segment_labels={},
                    entities=[{"text": person, "type": "PER", "occurrences": []}],
                    keywords=[{"text": keyword, "score": 1.0}],
                    labels=[{"taxonomy": "Temas", "label": label, "score": 0.9}],
                )
            )  # fmt: skip
    yield cat
    cat.close()


def counted(catalog: Catalog, field: str, **filters: list[str]) -> dict[str, int]:
    with catalog.session() as s:
        return dict(count_facet(s, "t", field, normalize_about(Filters(**filters))).values)


def test_one_value_whatever_its_accents_named_as_most_media_write_it(catalog: Catalog) -> None:
    assert counted(catalog, "entities") == {"PER:ana botín": 3, "PER:josé pérez": 1}
    assert counted(catalog, "keywords") == {"estación": 3, "tren": 1}
    assert counted(catalog, "labels") == {"Temas:Bancos": 3, "Temas:Viajes": 1}


@pytest.mark.parametrize(
    "filters",
    [
        {"entities": ["PER:Ana Botin"]},
        {"entities": ["PER:ANA BOTÍN"]},
        {"keywords": ["Estacion"]},
        {"labels": ["temas:bancos"]},
    ],
)
def test_a_filter_counts_the_media_it_names_whatever_its_accents(catalog: Catalog, filters: dict) -> None:
    assert counted(catalog, "kind", **filters) == {"text": 3}
