"""/v1/taxonomies: validated documents, and every change relabels the tenant's ready media from
their stored segments, in the background, without extracting them again."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from tests.conftest import wait_for_job

ARTICLE = """A new coffee roastery in Colombia

The roastery in Bogotá will roast coffee beans for espresso and filter coffee.
Farmers from Huila sell their green coffee beans directly to the roasters every week.
Each batch of coffee beans is roasted for twelve minutes and rested for two days before brewing.
The baristas taste every roast as an espresso and as a pour-over before it is sold.
"""
COFFEE = {
    "labels": [
        {"name": "coffee", "description": "coffee beans, roasting, brewing, espresso"},
        {"name": "football", "description": "football matches, players, goals and leagues"},
    ]
}
SPANISH = {
    "labels": [
        {"name": "café", "description": "granos de café, tueste, espresso y baristas"},
        {"name": "fútbol", "description": "partidos de fútbol, jugadores y goles"},
    ],
    "threshold": 0.5,
}


def ingested(api: TestClient) -> str:
    response = api.post("/v1/media", files={"file": ("roastery.txt", io.BytesIO(ARTICLE.encode()))})
    created = response.json()
    assert wait_for_job(api, created["job"]["id"])["status"] == "succeeded"
    return created["media"]["id"]


def labels_of(api: TestClient, media_id: str) -> list[tuple[str, str]]:
    return [(x["taxonomy"], x["label"]) for x in api.get(f"/v1/media/{media_id}").json()["labels"]]


def wait_all(api: TestClient, job_ids: list[str]) -> None:
    for job_id in job_ids:
        job = wait_for_job(api, job_id)
        assert job["status"] == "succeeded" and job["type"] == "relabel", job


def test_putting_a_taxonomy_relabels_media_without_extracting_them_again(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
):
    media_id = ingested(api)
    before = api.get(f"/v1/media/{media_id}").json()
    assert before["labels"] == [] and before["entities"]

    def no_extraction(kind: str):
        raise AssertionError("a relabel must not extract the media again")

    monkeypatch.setattr("mediasift.worker.pipeline.extractor_for", no_extraction)
    payloads = []
    import mediasift.services.reindex as reindex

    real_points = reindex.index_points
    monkeypatch.setattr(
        reindex, "index_points", lambda payload, *a: payloads.append(payload) or real_points(payload, *a)
    )

    put = api.put("/v1/taxonomies/topics", json=COFFEE)
    assert put.status_code == 201, put.text
    assert put.json()["created"] is True and len(put.json()["relabel_jobs"]) == 1
    wait_all(api, put.json()["relabel_jobs"])
    assert labels_of(api, media_id) == [("topics", "coffee")]
    assert payloads[-1].labels == ("topics:coffee",)  # the index points carry it

    replaced = api.put("/v1/taxonomies/topics", json=SPANISH)  # labels in Spanish, same media
    assert replaced.status_code == 200 and replaced.json()["created"] is False
    wait_all(api, replaced.json()["relabel_jobs"])
    assert labels_of(api, media_id) == [("topics", "café")]

    deleted = api.delete("/v1/taxonomies/topics")
    assert deleted.status_code == 200
    wait_all(api, deleted.json()["relabel_jobs"])
    after = api.get(f"/v1/media/{media_id}").json()
    assert after["labels"] == [] and payloads[-1].labels == ()
    # the rest of the enrichment and the segments are as they were
    assert after["segments"] == before["segments"]
    assert after["entities"] == before["entities"] and after["summary"] == before["summary"]
    assert after["status"] == "ready"


def test_a_taxonomy_is_put_as_yaml_as_the_cli_file_holds_it(api: TestClient):
    document = (
        "# what our media are about\nlabels:\n  - name: coffee\n    description: espresso, brewing\n"
        "threshold: 0.6\n"
    )
    for content_type in ("application/yaml", "text/yaml; charset=utf-8"):
        put = api.put("/v1/taxonomies/temas", content=document, headers={"Content-Type": content_type})
        assert put.status_code in (200, 201), put.text
        assert put.json()["labels"][0]["name"] == "coffee" and put.json()["threshold"] == 0.6
    bad = api.put("/v1/taxonomies/temas", content="labels: [", headers={"Content-Type": "application/yaml"})
    assert bad.status_code == 422 and "not valid YAML" in bad.json()["message"], bad.text
    as_json = api.put("/v1/taxonomies/temas", content=document, headers={"Content-Type": "application/json"})
    assert as_json.status_code == 422 and "send YAML as application/yaml" in as_json.json()["message"]
    huge = api.put(
        "/v1/taxonomies/temas", content=b"x" * (2 * 1024 * 1024), headers={"Content-Type": "application/yaml"}
    )
    assert huge.status_code == 413, huge.text  # read here, under the cap FastAPI's bodies have
    body = api.get("/openapi.json").json()["paths"]["/v1/taxonomies/{name}"]["put"]["requestBody"]
    assert {"application/json", "application/yaml"} <= set(body["content"])


def test_taxonomies_are_listed_read_and_deleted(api: TestClient):
    assert api.get("/v1/taxonomies").json() == {"taxonomies": []}
    assert api.put("/v1/taxonomies/temas", json=SPANISH).status_code == 201
    assert api.put("/v1/taxonomies/topics", json=COFFEE).status_code == 201
    listed = api.get("/v1/taxonomies").json()["taxonomies"]
    assert [t["name"] for t in listed] == ["temas", "topics"]
    one = api.get("/v1/taxonomies/temas").json()
    assert [label["name"] for label in one["labels"]] == ["café", "fútbol"] and one["threshold"] == 0.5
    assert api.delete("/v1/taxonomies/temas").status_code == 200
    assert api.get("/v1/taxonomies/temas").status_code == 404
    assert api.delete("/v1/taxonomies/temas").status_code == 404
    assert api.get("/v1/taxonomies/topics", headers={"X-Mediasift-Tenant": "other"}).status_code == 404


def label(name: str, description: str = "something") -> dict:
    return {"name": name, "description": description}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([label("a")], "must be an object with a 'labels' list"),
        ({"labels": []}, "'labels' must be a non-empty list"),
        ({"labels": [label("coffee"), label("Coffee")]}, "duplicate label names: 'Coffee', 'coffee'"),
        ({"labels": [label(" ")]}, "labels[0].name must be a non-empty text"),
        ({"labels": [label("tea", "")]}, "label 'tea': description must be a non-empty text"),
        ({"labels": [label(f"l{i}") for i in range(1000)]}, "1000 labels: a taxonomy holds at most 500"),
        ({"labels": [label("tea")], "threshold": 1.5}, "'threshold' must be a number between 0 and 1"),
        ({"labels": [label("tea")], "colour": "red"}, "unknown field 'colour'"),
    ],
)
def test_an_invalid_taxonomy_is_refused_with_every_problem_named(api: TestClient, document, message):
    response = api.put("/v1/taxonomies/topics", json=document)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "invalid_request" and message in body["message"], body
    assert api.get("/v1/taxonomies/topics").status_code == 404


def test_labels_in_other_scripts_are_accepted(api: TestClient):
    document = {"labels": [label("コーヒー", "コーヒー豆と焙煎"), label("кофе", "кофейные зёрна")]}
    response = api.put("/v1/taxonomies/多言語", json=document)
    assert response.status_code == 201, response.text
    assert [x["name"] for x in response.json()["labels"]] == ["コーヒー", "кофе"]


@pytest.mark.parametrize("name", ["temas:barismo", "has space"])
def test_a_taxonomy_name_cannot_hold_a_colon_or_a_space(api: TestClient, name: str):
    refused = api.put(f"/v1/taxonomies/{name}", json=COFFEE)
    assert refused.status_code == 422
    # what a name may be, in words, not the pattern that checks it
    assert refused.json()["message"] == (
        "path.name: the taxonomy's name: up to 100 characters, any script, no ':', '/' or spaces"
    )


def test_cli_puts_a_yaml_file_lists_and_deletes(
    api: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from mediasift.cli import taxonomy as cli
    from mediasift.cli.client import HttpClient
    from mediasift.cli.main import app

    class Unclosed(HttpClient):
        def close(self) -> None:  # the test's client outlives each command
            pass

    monkeypatch.setattr(cli, "connect", lambda settings, tenant=None, **_: Unclosed(api))
    path = tmp_path / "temas.yaml"
    path.write_text(
        "labels:\n  - name: barismo\n    description: café, espresso y baristas\n"
        "    examples: [un flat white con leche de avena]\nthreshold: 0.45\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    put = runner.invoke(app, ["taxonomy", "put", "temas", str(path), "--json"])
    assert put.exit_code == 0, put.output
    assert json.loads(put.stdout)["labels"][0]["examples"] == ["un flat white con leche de avena"]
    listed = runner.invoke(app, ["taxonomy", "list"])
    assert "temas (threshold 0.45): barismo" in listed.stdout
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"labels": [label("x"), label("X")]}))
    refused = runner.invoke(app, ["taxonomy", "put", "temas", str(bad)])
    assert refused.exit_code == 2 and "duplicate label names" in refused.output
    assert runner.invoke(app, ["taxonomy", "delete", "temas"]).exit_code == 0
    assert api.get("/v1/taxonomies").json() == {"taxonomies": []}


def test_a_failing_relabel_leaves_the_media_ready_with_its_enrichment(
    api: TestClient, monkeypatch: pytest.MonkeyPatch
):
    media_id = ingested(api)
    before = api.get(f"/v1/media/{media_id}").json()

    def broken(*args, **kwargs):
        raise RuntimeError("the classifier fell over")

    monkeypatch.setattr("mediasift.services.relabel.classify_media", broken)
    job_ids = api.put("/v1/taxonomies/topics", json=COFFEE).json()["relabel_jobs"]
    job = wait_for_job(api, job_ids[0])
    assert job["status"] == "dead" and "classifier fell over" in job["error"], job
    after = api.get(f"/v1/media/{media_id}").json()
    assert after["status"] == "ready" and after["error"] is None
    assert after["entities"] == before["entities"] and after["labels"] == []
