"""Reports end to end: a real PDF, a real photo and a broken file are ingested into the collection
``cursos`` (with a taxonomy, so they get labels); their reports in JSON follow the published schema,
and the Markdown and HTML renderings carry every place as a link to the web UI's player, inline
their pictures, escape the media's text, and are written to the store."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from typer.testing import CliRunner

from mediasift.cli.client import HttpClient
from tests.conftest import upload, wait_for_job
from tests.docgen import make_pdf

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "schemas" / "report-v1.schema.json"
BASE = "http://testserver"
HOSTILE_NAME = "notes <b onmouseover=alert(1)> & more_*.txt"
TAXONOMY = {
    "labels": [
        {"name": "travel", "description": "travelling by train and plane between cities, tourism"},
        {"name": "coffee", "description": "coffee, espresso, baristas and coffee machines"},
    ],
    "threshold": 0.5,
}
PDF_PAGES = [
    [
        "Jane Austen travelled from London to Paris by train in the spring.",
        "The journey took two days and she wrote letters to her sister every evening.",
    ],
    [
        "In Paris the engineers from Microsoft showed her a new espresso machine.",
        "The espresso machine heats the water to ninety degrees before every coffee.",
    ],
    [
        "Back in London she told the baristas about the espresso machine from Paris.",
        "Every barista in London wanted to try the coffee machine that week.",
    ],
]


@pytest.fixture(scope="module")
def cursos(module_api: TestClient, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Media ids by name: ``pdf``, ``photo`` and ``broken`` in ``cursos``; ``notes`` in ``default``."""
    from skimage import data

    folder = tmp_path_factory.mktemp("reports")
    assert module_api.put("/v1/taxonomies/temas", json=TAXONOMY).status_code in (200, 201)
    pdf = make_pdf(folder / "viaje.pdf", PDF_PAGES)  # type: ignore[arg-type]
    photo = folder / "coffee.png"
    Image.fromarray(data.coffee()).save(photo)
    broken = folder / "broken.mp4"
    broken.write_bytes(b"")
    notes = folder / "notes.txt"
    notes.write_text(
        "The ferry from Dover reached Calais before noon. The captain of the ferry said the sea was calm.\n"
    )
    ids = {}
    for name, path, collection in (
        ("pdf", pdf, "cursos"),
        ("photo", photo, "cursos"),
        ("broken", broken, "cursos"),
    ):
        created = upload(module_api, path, collection=collection)
        ids[name] = created["media"]["id"]
        wait_for_job(module_api, created["job"]["id"], timeout_s=300)
    with notes.open("rb") as f:
        response = module_api.post("/v1/media", files={"file": (HOSTILE_NAME, f)})
    assert response.status_code == 202, response.text
    ids["notes"] = response.json()["media"]["id"]
    assert wait_for_job(module_api, response.json()["job"]["id"])["status"] == "succeeded"
    return ids


def validate(report: dict[str, Any]) -> None:
    """``report`` against docs/schemas/report-v1.schema.json (jsonschema is in the test extra)."""
    import jsonschema

    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(report)


def where_it_points(url: str) -> tuple[str, dict[str, str]]:
    """The media id and the parameters (t, page, seg) of a web UI link ``{BASE}/#/media/{id}?...``."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == BASE and parts.path == "/", url
    route, _, query = parts.fragment.partition("?")
    assert route.startswith("/media/"), url
    return route.removeprefix("/media/"), {k: v[0] for k, v in parse_qs(query).items()}


class Links(HTMLParser):
    """Every tag, href and src of a page, and its visible text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.srcs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name == "href":
                self.hrefs.append(value or "")
            elif name == "src":
                self.srcs.append(value or "")
            elif name.startswith("on"):
                raise AssertionError(f"an event handler attribute on <{tag}>: {name}")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse_html(body: str) -> Links:
    links = Links()
    links.feed(body)
    return links


def test_media_report_json_follows_the_schema_and_links_each_sentence_to_its_page(module_api, cursos):
    response = module_api.get(f"/v1/media/{cursos['pdf']}/report")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    report = response.json()
    validate(report)
    assert (report["schema"], report["type"], report["base_url"]) == ("mediasift.report/1", "media", BASE)
    media = module_api.get(f"/v1/media/{cursos['pdf']}").json()
    pages = {s["id"]: s["page"] for s in media["segments"]}
    assert report["media"]["filename"] == "viaje.pdf" and report["media"]["pages"] == 3
    assert report["media"]["state"] == "ready" and report["job"]["status"] == "succeeded"
    assert 3 <= len(report["summary"]) <= 5
    for sentence in report["summary"]:
        media_id, params = where_it_points(sentence["url"])
        assert media_id == cursos["pdf"]
        assert params == {"page": str(pages[sentence["segment_id"]]), "seg": sentence["segment_id"]}
    london = next(e for e in report["entities"] if e["text"] == "London")
    assert {o["page"] for o in london["occurrences"]} == {1, 3}
    assert all(where_it_points(o["url"])[1]["page"] == str(o["page"]) for o in london["occurrences"])
    assert ("temas", "coffee") in [(x["taxonomy"], x["label"]) for x in report["labels"]]
    # a picture of each page, downloadable as the media's artifacts
    assert [k["artifact"] for k in report["keyframes"]] == [f"pages/{n:04d}.jpg" for n in (1, 2, 3)]
    for keyframe in report["keyframes"]:
        assert keyframe["artifact_url"].startswith(f"{BASE}/v1/media/{cursos['pdf']}/artifacts/pages/")
        assert module_api.get(keyframe["artifact_url"].removeprefix(BASE)).status_code == 200


def test_media_report_html_is_one_self_contained_page_with_player_links(module_api, cursos):
    response = module_api.get(f"/v1/media/{cursos['pdf']}/report", params={"format": "html"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    page = parse_html(response.text)
    assert "script" not in page.tags and "link" not in page.tags and "iframe" not in page.tags
    # pictures inline as small JPEGs, links only to the web UI's player
    assert len(page.srcs) == 3 and all(s.startswith("data:image/jpeg;base64,") for s in page.srcs)
    assert page.hrefs and all(h.startswith(f"{BASE}/#/media/{cursos['pdf']}") for h in page.hrefs)
    report = module_api.get(f"/v1/media/{cursos['pdf']}/report").json()
    for sentence in report["summary"]:
        assert sentence["url"].replace("&", "&amp;") in response.text
        assert sentence["text"] in "".join(page.text)
    assert "Microsoft" in page.text and "Summary" in page.text and "Entities" in page.text


def test_media_report_markdown_links_summary_and_entities(module_api, cursos):
    response = module_api.get(f"/v1/media/{cursos['pdf']}/report", params={"format": "md"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/markdown; charset=utf-8"
    text = response.text
    assert text.startswith("# viaje.pdf\n")
    assert (
        "## Summary" in text and "## Entities" in text and "## Pictures" in text
    )  # a document's pages, not keyframes
    links = re.findall(r"\[p\. (\d)\]\((\S+?)\)", text)
    assert links, text
    for page, url in links:
        assert where_it_points(url)[1]["page"] == page
    assert re.search(r"\| London \| LOC \| \[p\. 1\]\(.+?\), \[p\. 3\]\(.+?\) \|", text), text


def test_a_photo_report_inlines_its_thumbnail(module_api, cursos):
    report = module_api.get(f"/v1/media/{cursos['photo']}/report").json()
    validate(report)
    assert [k["artifact"] for k in report["keyframes"]] == ["thumb.jpg"]
    html = module_api.get(f"/v1/media/{cursos['photo']}/report", params={"format": "html"}).text
    (src,) = parse_html(html).srcs
    import base64
    import io

    picture = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
    assert picture.format == "JPEG" and max(picture.size) <= 240


def test_text_from_the_media_is_escaped_in_every_format(module_api, cursos):
    media_id = cursos["notes"]
    html = module_api.get(f"/v1/media/{media_id}/report", params={"format": "html"}).text
    page = parse_html(html)  # fails on any on* attribute
    assert "b" not in page.tags
    assert "notes &lt;b onmouseover=alert(1)&gt; &amp; more_*.txt" in html
    assert HOSTILE_NAME in "".join(page.text)
    md = module_api.get(f"/v1/media/{media_id}/report", params={"format": "md"}).text
    assert md.startswith("# notes \\<b onmouseover=alert(1)\\> \\& more\\_\\*.txt\n"), md[:80]


def test_reports_are_written_to_the_store_and_go_with_their_media(module_api, cursos, tmp_path):
    rt = module_api.app.state.runtime  # type: ignore[attr-defined]
    notes = tmp_path / "gone.txt"
    notes.write_text("A report of this note is kept until the note is deleted from the catalog.\n")
    created = upload(module_api, notes, collection="borrador")
    media_id = created["media"]["id"]
    wait_for_job(module_api, created["job"]["id"])
    for fmt in ("json", "md", "html"):
        body = module_api.get(f"/v1/media/{media_id}/report", params={"format": fmt}).content
        assert rt.store.get_bytes(f"processed/default/reports/media/{media_id}.{fmt}") == body
        assert module_api.get("/v1/collections/borrador/report", params={"format": fmt}).status_code == 200
        assert b"gone.txt" in rt.store.get_bytes(f"processed/default/reports/collections/borrador.{fmt}")
    assert module_api.delete(f"/v1/media/{media_id}").status_code == 204
    assert list(rt.store.list(f"processed/default/reports/media/{media_id}")) == []
    # its collection's saved reports quoted it: they go too, whichever formats were asked for
    assert list(rt.store.list("processed/default/reports/collections/borrador")) == []
    assert rt.store.exists(f"processed/default/reports/media/{cursos['pdf']}.json")  # others stay


def test_a_report_is_the_tenants_own_and_asks_for_a_known_format(module_api, cursos):
    other = {"X-Mediasift-Tenant": "someone-else"}
    for path in (f"/v1/media/{cursos['pdf']}/report", "/v1/collections/cursos/report"):
        response = module_api.get(path, headers=other)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
        bad = module_api.get(path, params={"format": "pdf"})
        assert bad.status_code == 422 and bad.json()["code"] == "invalid_request"
    assert module_api.get("/v1/media/01HZZZZZZZZZZZZZZZZZZZZZZZ/report").status_code == 404
    assert module_api.get("/v1/collections/nothing-here/report").status_code == 404
    assert module_api.get("/v1/collections/cursos/report", params={"limit": 0}).status_code == 422
    rt = module_api.app.state.runtime  # type: ignore[attr-defined]
    assert not list(rt.store.list("processed/someone-else/"))


def test_collection_report_counts_every_media_and_shows_the_dead_one(module_api, cursos):
    response = module_api.get("/v1/collections/cursos/report")
    assert response.status_code == 200
    report = response.json()
    validate(report)
    assert report["type"] == "collection" and report["collection"] == "cursos"
    totals = report["totals"]
    assert totals["media"] == 3 and totals["pages"] == 3
    assert totals["by_state"] == {"ready": 2, "processing": 0, "dead": 1, "failed": 0}
    assert totals["by_kind"]["document"] == 1 and totals["by_kind"]["image"] == 1
    assert (report["listed"], report["truncated"]) == (3, False)
    by_id = {m["id"]: m for m in report["media"]}
    assert [m["id"] for m in report["media"]] == sorted(by_id, reverse=True)  # newest first
    dead = by_id[cursos["broken"]]
    assert dead["state"] == "dead" and dead["job"]["status"] == "dead"
    assert dead["job"]["error_code"] in ("media_rejected", "unsupported_media", "corrupt_media")
    pdf = by_id[cursos["pdf"]]
    assert 3 <= len(pdf["summary"]) <= 5 and "coffee" in [x["label"] for x in pdf["labels"]]
    assert any(e["text"] == "London" and e["mentions"] == 2 for e in pdf["entities"])
    coffee = next(x for x in report["top_labels"] if x["filter"] == "temas:coffee")
    assert (coffee["taxonomy"], coffee["label"]) == ("temas", "coffee") and coffee["media"] >= 1
    assert any(e["filter"] == "LOC:london" and e["text"] == "London" for e in report["top_entities"])


def test_collection_report_caps_its_list_and_says_so(module_api, cursos):
    report = module_api.get("/v1/collections/cursos/report", params={"limit": 2}).json()
    validate(report)
    assert (report["listed"], report["truncated"], report["totals"]["media"]) == (2, True, 3)
    md = module_api.get("/v1/collections/cursos/report", params={"limit": 2, "format": "md"}).text
    assert "Listing the newest 2 of 3 media" in md


def test_collection_report_html_shows_each_media_with_its_state(module_api, cursos):
    response = module_api.get("/v1/collections/cursos/report", params={"format": "html"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = parse_html(response.text)
    assert "script" not in page.tags
    assert all(s.startswith("data:image/jpeg;base64,") for s in page.srcs) and page.srcs  # the photo
    assert all(h.startswith(f"{BASE}/#/media/") for h in page.hrefs)
    text = " ".join(page.text)
    assert "viaje.pdf" in text and "coffee.png" in text and "broken.mp4" in text
    assert "dead" in text and "ready" in text
    rt = module_api.app.state.runtime  # type: ignore[attr-defined]
    assert rt.store.get_bytes("processed/default/reports/collections/cursos.html") == response.content


class _Over(HttpClient):
    """The CLI's HTTP client over the module's in-process API (which outlives each command)."""

    def close(self) -> None:
        pass


@pytest.fixture
def cli(module_api: TestClient, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    from mediasift.cli import main, report

    monkeypatch.setattr(report, "connect", lambda settings, tenant=None, **_: _Over(module_api))  # type: ignore[arg-type]
    return lambda *args: CliRunner().invoke(main.app, ["report", *args])


def test_report_command_writes_a_media_report_to_a_file_or_stdout(cli, module_api, cursos, tmp_path):
    out = tmp_path / "viaje.html"
    result = cli(cursos["pdf"], "--format", "html", "-o", str(out))
    assert result.exit_code == 0, result.output
    page = parse_html(out.read_text())
    assert "viaje.pdf" in page.text and all(s.startswith("data:image/jpeg;base64,") for s in page.srcs)
    assert f"wrote {out}" in " ".join(result.stderr.split())
    markdown = cli(cursos["pdf"])  # Markdown by default
    assert markdown.exit_code == 0 and markdown.stdout.startswith("# viaje.pdf\n")


def test_report_command_writes_a_collection_report(cli, cursos):
    result = cli("--collection", "cursos", "--format", "json", "--limit", "2")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    validate(report)
    assert (report["collection"], report["listed"], report["truncated"]) == ("cursos", 2, True)


def test_report_command_says_what_is_wrong(cli, cursos):
    for args in ([], [cursos["pdf"], "--collection", "cursos"], [cursos["pdf"], "--format", "pdf"]):
        result = cli(*args)
        assert result.exit_code == 2, (args, result.output)
    missing = cli("--collection", "nowhere")
    assert missing.exit_code == 2 and "not_found" in missing.stderr


def test_report_command_runs_in_process_without_a_server(tmp_path):
    from mediasift.cli import main

    env = {"MEDIASIFT_HOME": str(tmp_path / "home")}
    result = CliRunner().invoke(main.app, ["report", "--collection", "cursos"], env=env)
    assert result.exit_code == 2 and "collection cursos not found" in result.stderr


def test_a_media_reports_processing_is_its_reading_not_a_relabel_after_it(module_api, cursos):
    # a taxonomy changed after ingest queues relabel jobs; the report had shown the relabel's
    changed = {**TAXONOMY, "labels": [*TAXONOMY["labels"], {"name": "trains", "description": "rail travel"}]}
    relabels = module_api.put("/v1/taxonomies/temas", json=changed).json()["relabel_jobs"]
    assert relabels
    for job_id in relabels:
        wait_for_job(module_api, job_id)
    report = module_api.get(f"/v1/media/{cursos['pdf']}/report").json()
    assert report["job"]["type"] == "ingest", report["job"]
