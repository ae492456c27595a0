"""Search, ask and chats narrowed to media about something: label, entity and keyword filters over
the HTTP API, their validation, and the encoded form the index compares."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from mediasift.domain import ENTITY_TYPES, Filters
from mediasift.enrich.media import index_terms
from mediasift.errors import InvalidRequest
from mediasift.index.points import MediaPayload, SegmentFields
from mediasift.runtime import Runtime
from mediasift.services import reindex as reindex_service
from mediasift.services.search import normalize_about, normalize_filters
from tests.conftest import upload, wait_for_job

# -- the encoded form -------------------------------------------------------------------------


def test_filters_are_encoded_as_points_carry_them() -> None:
    given = Filters(
        labels=[" temas:Barismo ", "temas:Barismo", "tipo:curso"],
        entities=["org:Nestlé", "PER:Jane  Austen", "LOC: São Paulo"],
        keywords=["Espresso", " MOLIENDA "],
    )

    encoded = normalize_about(given)

    # as written (labels as the tenant wrote them, entities and keywords casefolded), and loose
    assert encoded.labels == ["temas:Barismo", "temas:barismo", "tipo:curso"]
    assert encoded.entities == [
        "LOC:sao paulo",
        "LOC:são paulo",
        "ORG:nestle",
        "ORG:nestlé",
        "PER:jane  austen",
    ]
    assert encoded.keywords == ["espresso", "molienda"]
    assert normalize_about(encoded) == encoded  # ask normalizes, then search again: no change


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        (Filters(labels=["barismo"]), "taxonomy:label"),
        (Filters(labels=[":barismo"]), "taxonomy:label"),
        (Filters(labels=["temas:"]), "taxonomy:label"),
        (Filters(entities=["Jane Austen"]), "TYPE:text"),
        (Filters(entities=["PERSON:Jane Austen"]), "PER, ORG, LOC, DATE, QUANTITY, PRODUCT, MISC"),
        (Filters(entities=["PER: "]), "empty"),
        (Filters(keywords=["  "]), "empty"),
        (Filters(keywords=[f"k{i}" for i in range(101)]), "at most 100"),
    ],
    ids=["no-colon", "no-taxonomy", "no-label", "no-type", "unknown-type", "no-text", "blank", "too-many"],
)
def test_a_malformed_filter_is_an_invalid_request_that_says_how_to_write_it(
    filters: Filters, message: str
) -> None:
    with pytest.raises(InvalidRequest, match=message):
        normalize_filters(filters)


def test_empty_lists_narrow_nothing() -> None:
    assert normalize_about(Filters(labels=[], entities=[], keywords=[])) == Filters()


def test_entity_types_are_those_enrichment_emits() -> None:
    from mediasift.enrich.entities import TYPES

    assert ENTITY_TYPES == TYPES


# -- over the API -----------------------------------------------------------------------------


def _about(labels: Sequence[str], entities: Sequence[tuple[str, str]], keywords: Sequence[str]) -> dict:
    """The terms points carry for this enrichment (``index_terms``, as the pipeline writes them)."""
    terms = index_terms(
        [{"taxonomy": t, "label": label} for t, label in (x.split(":") for x in labels)],
        [{"type": kind, "text": text} for kind, text in entities],
        [{"text": text} for text in keywords],
    )
    return dict(zip(("labels", "entities", "keywords"), terms, strict=True))


ABOUT = {
    "barista.txt": _about(["Temas:Barismo"], [("ORG", "Nestlé"), ("PER", "Jane Austen")], ["espresso"]),
    "harvest.txt": _about(["Temas:Cosecha"], [("LOC", "Colombia")], ["cosecha", "espresso"]),
}


def test_points_carry_each_term_as_written_and_without_accents_or_capitals() -> None:
    assert ABOUT["barista.txt"] == {
        "labels": ("Temas:Barismo", "temas:barismo"),
        "entities": ("ORG:nestlé", "ORG:nestle", "PER:jane austen"),
        "keywords": ("espresso",),
    }


def _label_by_filename(monkeypatch: pytest.MonkeyPatch, runtime: Runtime, ids: Mapping[str, str]) -> None:
    """Reindex as if enrichment had given each media the labels, entities and keywords of ``ABOUT``."""
    about_by_id = {media_id: ABOUT[name] for name, media_id in ids.items()}
    index_points = reindex_service.index_points

    def enriched(payload: MediaPayload, segments: Iterable[SegmentFields], vectors: Mapping) -> Sequence:
        segments = list(segments)
        about = about_by_id[segments[0].media_id] if segments else {}
        return index_points(replace(payload, **about), segments, vectors)

    monkeypatch.setattr(reindex_service, "index_points", enriched)
    reindex_service.reindex(runtime, "default")


def test_search_ask_and_chats_filter_by_label_entity_and_keyword(
    api: TestClient, tmp_path: Path, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = {}
    for name in ABOUT:
        path = tmp_path / name
        path.write_text(f"Tasting notes from {name[:-4]}: the espresso was brewed at ninety degrees.")
        created = upload(api, path)
        assert wait_for_job(api, created["job"]["id"])["status"] == "succeeded"
        ids[name] = created["media"]["id"]

    def found(**params: str | list[str]) -> set[str]:
        response = api.get("/v1/search", params={"q": "espresso tasting notes", **params})
        assert response.status_code == 200, response.text
        return {h["filename"] for h in response.json()["hits"]}

    assert found() == {"barista.txt", "harvest.txt"}
    assert found(label="Temas:Barismo") == set()  # points indexed before enrichment carry no labels
    _label_by_filename(monkeypatch, runtime, ids)

    assert found() == {"barista.txt", "harvest.txt"}
    assert found(label="Temas:Barismo") == {"barista.txt"}
    assert found(label="temas:barismo") == {"barista.txt"}  # capitals aside
    assert found(label="temas:cosecha") == {"harvest.txt"}  # same query, other label: not cached
    assert found(label=["temas:barismo", "temas:cosecha"]) == {"barista.txt", "harvest.txt"}
    assert found(entity="PER:Jane Austen") == {"barista.txt"}  # entity text casefolded
    assert found(entity="org:NESTLÉ") == {"barista.txt"}
    assert found(entity="ORG:Nestle") == {"barista.txt"}  # accents aside, as search's words
    assert found(entity=["LOC:Colombia", "ORG:Nestlé"]) == {"barista.txt", "harvest.txt"}
    assert found(keyword="Espresso") == {"barista.txt", "harvest.txt"}
    assert found(keyword="espresso", label="temas:cosecha") == {"harvest.txt"}  # lists ANDed
    assert found(entity="LOC:colombia", label="temas:barismo") == set()
    for mode in ("keyword", "vector"):
        assert found(label="temas:barismo", mode=mode) == {"barista.txt"}

    posted = api.post("/v1/search", data={"q": "espresso", "label": ["temas:cosecha"]})
    assert posted.status_code == 200, posted.text
    assert {h["filename"] for h in posted.json()["hits"]} == {"harvest.txt"}

    question = {"question": "At what temperature was the espresso brewed?"}
    answer = api.post("/v1/ask", json={**question, "filters": {"entities": ["PER:Jane Austen"]}})
    assert answer.status_code == 200, answer.text
    assert {c["media_id"] for c in answer.json()["citations"]} == {ids["barista.txt"]}

    chat = api.post("/v1/chats", json={"filters": {"labels": ["temas:cosecha"], "keywords": ["ESPRESSO"]}})
    assert chat.status_code == 201, chat.text
    turn = api.post(f"/v1/chats/{chat.json()['id']}/messages", json={"content": question["question"]})
    assert turn.status_code == 200, turn.text
    assert {c["media_id"] for c in turn.json()["citations"]} == {ids["harvest.txt"]}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"label": "barismo"}, "taxonomy:label"),
        ({"entity": "PERSON:Jane Austen"}, "TYPE one of PER, ORG"),
        ({"entity": "Jane Austen"}, "TYPE:text"),
        ({"keyword": " "}, "empty"),
    ],
)
def test_a_malformed_label_or_entity_is_a_400_that_says_how_to_write_it(
    api: TestClient, params: dict[str, str], message: str
) -> None:
    got = api.get("/v1/search", params={"q": "espresso", **params})
    assert got.status_code == 400 and message in got.json()["message"], got.text

    posted = api.post("/v1/search", data={"q": "espresso", **params})
    assert posted.status_code == 400 and message in posted.json()["message"], posted.text

    body_key = {"label": "labels", "entity": "entities", "keyword": "keywords"}
    ((key, value),) = params.items()
    asked = api.post("/v1/ask", json={"question": "why?", "filters": {body_key[key]: [value]}})
    assert asked.status_code == 400 and message in asked.json()["message"], asked.text
    chat = api.post("/v1/chats", json={"filters": {body_key[key]: [value]}})
    assert chat.status_code == 400 and message in chat.json()["message"], chat.text


def test_a_filter_key_ask_does_not_know_is_refused_not_ignored(api: TestClient) -> None:
    # search's names are singular (collection=), ask's plural: the singular had answered unfiltered
    for body in ({"collection": "archive"}, {"language": "es"}):
        asked = api.post("/v1/ask", json={"question": "How often?", "filters": body})
        assert asked.status_code == 422, asked.text
        assert f"filters.{next(iter(body))}" in asked.json()["message"], asked.text
    chat = api.post("/v1/chats", json={"filters": {"collection": "archive"}})
    assert chat.status_code == 422, chat.text


def test_openapi_describes_every_new_filter(api: TestClient) -> None:
    spec = api.get("/openapi.json").json()
    get_params = {p["name"]: p for p in spec["paths"]["/v1/search"]["get"]["parameters"]}
    for name, example in (("label", "temas:barismo"), ("entity", "PER:Jane Austen"), ("keyword", "any")):
        assert get_params[name]["schema"]["anyOf"][0]["type"] == "array"
        assert example in get_params[name]["description"] or name == "keyword"
    form_ref = spec["paths"]["/v1/search"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    form = spec["components"]["schemas"][form_ref["$ref"].rsplit("/", 1)[-1]]["properties"]
    filters_in = spec["components"]["schemas"]["FiltersIn"]["properties"]
    for fields, names in (
        (form, ("label", "entity", "keyword")),
        (filters_in, ("labels", "entities", "keywords")),
    ):
        for name in names:
            assert fields[name]["description"], name


def test_languages_are_compared_in_lower_case() -> None:
    from mediasift.services.search import normalize_filters

    # segments carry "es" and "python": "ES" had matched nothing, without a word
    assert normalize_filters(Filters(languages=["ES", " en ", "Python", "es"])).languages == [
        "en",
        "es",
        "python",
    ]


def test_ask_matches_numeric_metadata_as_search_does(api: TestClient, tmp_path: Path) -> None:
    """``meta=lot=7`` found a media uploaded with ``{"lot": 7}``; ask's ``{"lot": 7}`` was a 422."""
    ids = {}
    for lot in (7, 8):
        path = tmp_path / f"lot{lot}.txt"
        path.write_text(f"Lot {lot}: the espresso was brewed at ninety degrees.", encoding="utf-8")
        created = upload(api, path, metadata=f'{{"lot": {lot}}}')
        assert wait_for_job(api, created["job"]["id"])["status"] == "succeeded"
        ids[lot] = created["media"]["id"]
    hits = api.get("/v1/search", params={"q": "espresso brewed", "meta": "lot=7"}).json()["hits"]
    assert {h["media_id"] for h in hits} == {ids[7]}
    question = "At what temperature was the espresso brewed?"
    for given in (7, "7"):
        asked = api.post("/v1/ask", json={"question": question, "filters": {"metadata": {"lot": given}}})
        assert asked.status_code == 200, asked.text
        assert {c["media_id"] for c in asked.json()["citations"]} == {ids[7]}


def test_upload_metadata_that_is_not_an_object_says_so_and_extracted_says_why(
    api: TestClient, tmp_path: Path
) -> None:
    note = tmp_path / "n.txt"
    note.write_text("A note.", encoding="utf-8")
    for raw, said in (
        ("[1, 2]", "metadata must be a JSON object ({...}), not list"),
        ('{"extracted": 1}', "metadata cannot hold the key 'extracted'"),
    ):
        with note.open("rb") as f:
            refused = api.post("/v1/media", files={"file": ("n.txt", f)}, data={"metadata": raw})
        assert refused.status_code == 400 and refused.json()["message"].startswith(said), refused.text
