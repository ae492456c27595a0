"""/v1/facets: counts of the tenant's ready media per label, entity, keyword, language and kind, in
the encoded form search filters take, narrowed by the same filters, never counting another tenant."""

from __future__ import annotations

import io
import json
from collections import Counter

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from mediasift.catalog.facets import facet_worthy
from mediasift.domain import entity_term, keyword_term, label_term
from mediasift.enrich.media import KEYWORDS_IN_INDEX
from tests.conftest import wait_for_job

COFFEE = (
    "A new coffee roastery in Colombia. The roastery in Bogotá will roast coffee beans for espresso. "
    "Farmers from Huila sell their green coffee beans directly to the roasters every week. "
    "The baristas taste every roast as an espresso before it is sold."
)
ESPRESSO = (
    "How to pull an espresso shot. Grind the coffee beans finely and tamp them firmly. "
    "The espresso machine heats the water to ninety degrees. A barista in London pulls the shot "
    "in twenty-five seconds and serves the coffee at once."
)
FOOTBALL = (
    "The football match in Madrid ended with three goals. The players of Real Madrid scored twice "
    "in the second half. The league table changed after the match and the coach praised his players."
)
TOPICS = {
    "labels": [
        {"name": "coffee", "description": "coffee beans, roasting, brewing, espresso"},
        {"name": "football", "description": "football matches, players, goals and leagues"},
    ]
}
OTHER = "other-tenant"


def ingest(api: TestClient, name: str, text: str, tenant: str | None = None, **form: str) -> str:
    headers = {"X-Mediasift-Tenant": tenant} if tenant else {}
    response = api.post(
        "/v1/media", files={"file": (name, io.BytesIO(text.encode()))}, data=form, headers=headers
    )
    assert response.status_code in (200, 202), response.text
    created = response.json()
    assert wait_for_job(api, created["job"]["id"], tenant=tenant)["status"] == "succeeded"
    return created["media"]["id"]


@pytest.fixture(scope="module")
def catalog(module_api: TestClient) -> dict[str, dict]:
    """Three labelled media of the default tenant (two in ``cursos``) and one of another tenant."""
    ids = {
        "coffee": ingest(module_api, "coffee.txt", COFFEE, collection="cursos"),
        "espresso": ingest(module_api, "espresso.txt", ESPRESSO, collection="cursos"),
        "football": ingest(module_api, "football.txt", FOOTBALL, collection="deportes"),
    }
    ingest(module_api, "coffee.txt", COFFEE + " Another copy.", tenant=OTHER)
    put = module_api.put("/v1/taxonomies/topics", json=TOPICS)
    assert put.status_code == 201, put.text
    for job_id in put.json()["relabel_jobs"]:
        assert wait_for_job(module_api, job_id)["status"] == "succeeded"
    return {name: module_api.get(f"/v1/media/{media_id}").json() for name, media_id in ids.items()}


def facet(api: TestClient, field: str, tenant: str | None = None, **params) -> dict:
    headers = {"X-Mediasift-Tenant": tenant} if tenant else {}
    response = api.get("/v1/facets", params={"field": field, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def pairs(answer: dict) -> list[tuple[str, int]]:
    return [(v["value"], v["count"]) for v in answer["values"]]


def expected(details: list[dict], field: str) -> list[tuple[str, int]]:
    """What counting the media's own details gives: one per media and value, most first then by value."""
    counts: Counter[str] = Counter()
    for d in details:
        counts.update(
            {
                "labels": {label_term(x["taxonomy"], x["label"]) for x in d["labels"]},
                "entities": {
                    term for x in d["entities"] if facet_worthy(term := entity_term(x["type"], x["text"]))
                },
                "keywords": {keyword_term(x["text"]) for x in d["keywords"][:KEYWORDS_IN_INDEX]},
                "kind": {d["kind"]},
                "language": set((d["enrichment"] or {})["languages"]) or {d["language"]},
            }[field]
        )
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def test_kind_and_language_count_every_ready_media_once(module_api: TestClient, catalog: dict) -> None:
    kinds = facet(module_api, "kind")
    assert kinds["field"] == "kind" and kinds["media"] == 3 and kinds["truncated"] is False
    assert pairs(kinds) == [("text", 3)]
    assert pairs(facet(module_api, "language")) == [("en", 3)]


@pytest.mark.parametrize("field", ["labels", "entities", "keywords"])
def test_about_facets_count_what_each_media_is_about(
    module_api: TestClient, catalog: dict, field: str
) -> None:
    got = pairs(facet(module_api, field, limit=200))
    assert got == expected(list(catalog.values()), field)
    assert got, f"no {field} at all"


def test_labels_are_counted_as_the_label_filter_names_them(module_api: TestClient, catalog: dict) -> None:
    labels = dict(pairs(facet(module_api, "labels")))
    assert labels.get("topics:coffee") == 2 and labels.get("topics:football") == 1, labels
    assert dict(pairs(facet(module_api, "keywords", limit=200))).get("coffee") == 2


def test_filters_narrow_the_counted_media(module_api: TestClient, catalog: dict) -> None:
    cursos = facet(module_api, "labels", collection="cursos")
    assert cursos["media"] == 2 and dict(pairs(cursos)).get("topics:football") is None
    assert pairs(cursos) == expected([catalog["coffee"], catalog["espresso"]], "labels")

    football = facet(module_api, "kind", label="topics:football")
    assert pairs(football) == [("text", 1)]
    both = facet(module_api, "kind", label=["topics:football", "topics:coffee"])  # any of one list
    assert both["media"] == 3
    assert facet(module_api, "kind", label="topics:football", keyword="coffee")["media"] == 0  # lists ANDed
    assert facet(module_api, "kind", collection=["cursos", "deportes"])["media"] == 3
    assert facet(module_api, "kind", kind="video")["media"] == 0
    assert facet(module_api, "kind", language="es")["media"] == 0
    assert facet(module_api, "kind", added_after="2000-01-01")["media"] == 3
    assert facet(module_api, "kind", added_before="2000-01-01")["media"] == 0


def test_limit_keeps_the_most_common_values(module_api: TestClient, catalog: dict) -> None:
    everything = pairs(facet(module_api, "keywords", limit=200))
    two = facet(module_api, "keywords", limit=2)
    assert pairs(two) == everything[:2]
    assert two["distinct"] == len(everything) > 2  # how many were left out is said


def test_another_tenants_media_are_never_counted(module_api: TestClient, catalog: dict) -> None:
    assert facet(module_api, "kind")["media"] == 3
    other = facet(module_api, "kind", tenant=OTHER)
    assert other["media"] == 1 and pairs(other) == [("text", 1)]
    assert facet(module_api, "labels", tenant=OTHER)["values"] == []  # no taxonomy of its own


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"field": "colour"}, "unknown facet field"),
        ({"field": "labels", "label": "barismo"}, "taxonomy:label"),
        ({"field": "kind", "added_after": "yesterday"}, "ISO 8601"),
    ],
)
def test_an_unknown_field_or_malformed_filter_is_a_400(
    module_api: TestClient, params: dict, message: str
) -> None:
    response = module_api.get("/v1/facets", params=params)
    assert response.status_code == 400 and message in response.json()["message"], response.text


def test_limit_out_of_range_is_refused(module_api: TestClient) -> None:
    assert module_api.get("/v1/facets", params={"field": "kind", "limit": 201}).status_code == 422


def test_cli_prints_the_counts_of_one_collection(
    module_api: TestClient, catalog: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mediasift.cli import facets as cli
    from mediasift.cli.client import HttpClient
    from mediasift.cli.main import app

    class Unclosed(HttpClient):
        def close(self) -> None:  # the module's client outlives each command
            pass

    monkeypatch.setattr(cli, "connect", lambda settings, tenant=None, **_: Unclosed(module_api))
    runner = CliRunner()
    printed = runner.invoke(app, ["facets", "labels", "--collection", "cursos", "--json"])
    assert printed.exit_code == 0, printed.output
    assert json.loads(printed.stdout) == facet(module_api, "labels", collection="cursos")
    table = runner.invoke(app, ["facets", "kind"])
    assert table.exit_code == 0 and "text" in table.stdout and "3 media" in table.stdout, table.output
    cut = runner.invoke(app, ["facets", "keywords", "--limit", "1"])
    said = " ".join(cut.stdout.split())  # rich wraps the title to the table's width
    assert "the 1 most common of" in said and "(--limit for more)" in said, cut.output
    refused = runner.invoke(app, ["facets", "colour"])
    assert refused.exit_code == 2 and "unknown facet field" in refused.output
    # the search filters narrow the counted media (the command had taken --collection alone)
    narrowed = runner.invoke(app, ["facets", "kind", "--label", "topics=football", "--json"])
    assert narrowed.exit_code == 0, narrowed.output
    assert json.loads(narrowed.stdout) == facet(module_api, "kind", label="topics:football")
    assert json.loads(narrowed.stdout)["media"] == 1
    none = runner.invoke(
        app,
        ["facets", "kind", "--language", "es", "--added-after", "2000-01-01", "--min-quality", "0", "--json"],
    )
    assert none.exit_code == 0 and json.loads(none.stdout)["media"] == 0, none.output
    late = runner.invoke(
        app, ["facets", "labels", "--keyword", "coffee", "--added-before", "2000-01-01", "--json"]
    )
    assert json.loads(late.stdout)["media"] == 0


@pytest.mark.parametrize(
    ("term", "counted"),
    [
        ("DATE:1 october", True),
        ("DATE:1843", True),
        ("DATE:saturdays", True),
        ("DATE:3 de marzo de 2021", True),
        ("DATE:12/05", True),
        ("DATE:el lunes", True),
        ("DATE:90 minutes", False),
        ("DATE:every day", False),
        ("DATE:this year", False),
        ("DATE:diez minutos", False),
        ("DATE:22:40", False),
        ("DATE:a las 10.30", False),
        ("DATE:midnight", False),
        ("LOC:may", True),
        ("QUANTITY:60 euros", True),
    ],
)
def test_a_date_is_a_facet_where_it_names_a_day_a_month_or_a_year(term: str, counted: bool) -> None:
    assert facet_worthy(term) is counted
