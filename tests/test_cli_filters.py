"""`mediasift search` and `ask` with --label, --entity and --keyword: what they send the API."""

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from mediasift.cli import main as cli
from mediasift.cli.filter_options import encoded


class RecordingClient:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def search(self, query: str | None, **kw: Any) -> dict[str, Any]:
        self.calls.append(("search", kw))
        return {"hits": []}

    def ask(self, question: str, filters: dict[str, Any] | None = None) -> dict[str, Any]:
        self.calls.append(("ask", filters))
        return {"answer": "", "citations": []}

    def close(self) -> None:
        pass


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> RecordingClient:
    recording = RecordingClient()
    monkeypatch.setattr(cli, "connect", lambda settings, tenant=None, **_: recording)
    return recording


FILTER_ARGS = [
    "--label", "temas=barismo", "--label", "tipo:curso",
    "--entity", "ORG=Nestlé", "--entity", "PER:Jane Austen",
    "--keyword", "espresso",
]  # fmt: skip


def test_search_sends_label_and_entity_options_in_the_apis_colon_form(client: RecordingClient) -> None:
    result = CliRunner().invoke(cli.app, ["search", "temperatura", *FILTER_ARGS, "--json"])

    assert result.exit_code == 0, result.output
    ((_, sent),) = client.calls
    assert sent["labels"] == ["temas:barismo", "tipo:curso"]
    assert sent["entities"] == ["ORG:Nestlé", "PER:Jane Austen"]  # the API casefolds the text
    assert sent["keywords"] == ["espresso"]


def test_ask_sends_the_same_filters(client: RecordingClient) -> None:
    result = CliRunner().invoke(cli.app, ["ask", "¿a qué temperatura?", *FILTER_ARGS, "--json"])

    assert result.exit_code == 0, result.output
    ((_, sent),) = client.calls
    assert sent == {
        "labels": ["temas:barismo", "tipo:curso"],
        "entities": ["ORG:Nestlé", "PER:Jane Austen"],
        "keywords": ["espresso"],
    }


def test_only_an_equals_sign_before_any_colon_separates_the_taxonomy_or_type() -> None:
    assert encoded(["temas=a:b", "temas:a=b", "sin-separador"]) == [
        "temas:a:b",
        "temas:a=b",
        "sin-separador",
    ]
    assert encoded([]) is None


def test_the_http_client_repeats_each_filter_parameter() -> None:
    import httpx

    from mediasift.cli.client import HttpClient

    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"query": "q", "hits": []})

    http = HttpClient(httpx.Client(base_url="http://mediasift.test", transport=httpx.MockTransport(handler)))
    http.search("q", labels=["temas:a", "temas:b"], entities=["PER:x"], keywords=["k"])

    params = seen[0].url.params
    assert params.get_list("label") == ["temas:a", "temas:b"]
    assert params.get_list("entity") == ["PER:x"] and params.get_list("keyword") == ["k"]


def test_search_sends_min_quality_and_refuses_one_outside_0_to_1(client: RecordingClient) -> None:
    result = CliRunner().invoke(cli.app, ["search", "boiler", "--min-quality", "0.6", "--json"])
    outside = CliRunner().invoke(cli.app, ["search", "boiler", "--min-quality", "1.5"])

    assert result.exit_code == 0, result.output
    assert client.calls[0][1]["min_quality"] == 0.6
    assert outside.exit_code == 2 and len(client.calls) == 1


def test_search_group_by_sends_the_key_and_prints_one_heading_per_product(
    client: RecordingClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    hit = {
        "filename": "cup-front.jpg",
        "modality": "image",
        "score": 0.91,
        "text": "",
        "media_meta": {"sku": "S1"},
    }
    groups = [
        {"key": "sku", "value": "S1", "score": 0.91, "hits": [hit]},
        {"key": "sku", "value": "S2", "score": 0.52, "hits": [{**hit, "filename": "mug.jpg", "score": 0.52}]},
    ]
    monkeypatch.setattr(
        client, "search", lambda q, **kw: client.calls.append(("search", kw)) or {"groups": groups}
    )
    args = [
        "search",
        "taza",
        "--group-by",
        "sku",
        "--group-size",
        "2",
        "--meta",
        "client=acme",
        "--collection",
        "shop",
    ]

    result = CliRunner().invoke(cli.app, args)

    assert result.exit_code == 0, result.output
    ((_, sent),) = client.calls
    assert (sent["group_by"], sent["group_size"], sent["meta"], sent["collections"]) == (
        "sku",
        2,
        ["client=acme"],
        ["shop"],
    )
    lines = result.output.splitlines()
    assert lines[0].startswith("1. sku=S1") and "0.9100" in lines[0]
    assert "cup-front.jpg" in lines[1] and lines[2].startswith("2. sku=S2") and "mug.jpg" in lines[3]
    as_json = CliRunner().invoke(cli.app, [*args, "--json"])
    assert json.loads(as_json.output) == groups


def test_a_hit_is_shown_around_the_words_searched_for() -> None:
    page = (
        "Annual Report on Lighthouse Maintenance. The northern lighthouse at Cape Varra was repainted in "
        "March. The crew replaced the rotating lens motor, which had failed twice during the winter "
        "storms. Total cost of the repairs was 48,200 euros, slightly above the budget approved by the "
        "harbour council."
    )
    shown = cli.snippet(page, "what did the repair cost")  # by stem: "repairs"
    assert shown.startswith("…") and "Total cost of the repairs was 48,200 euros" in shown
    assert len(shown) <= 202 and cli.snippet(page, "zeppelin").startswith("Annual Report")
    assert cli.snippet("Short text.", "text") == "Short text."


def test_jobs_are_listed_a_line_each_on_a_narrow_terminal(monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from mediasift.cli import waiting

    dead = {
        "id": "01M97TJJ5A4XW0Y0Y5ZZZZZZZZ", "media_id": "01M97TJJ59Q4B0ZZZZZZZZZZZZ",
        "filename": "truncated.pdf", "type": "ingest", "status": "dead",
        "stage": "extract", "attempts": 1, "error_code": "corrupt_media",
        "error": "corrupt PDF: Failed to load document (PDFium: Data format error).",
    }  # fmt: skip
    monkeypatch.setenv("COLUMNS", "80")
    waiting.print_jobs([dead])
    lines = capsys.readouterr().out.splitlines()
    # the ids whole, the media's (which `media show` takes) before the job's
    assert (
        lines[0]
        == "truncated.pdf  media 01M97TJJ59Q4B0ZZZZZZZZZZZZ  job 01M97TJJ5A4XW0Y0Y5ZZZZZZZZ  ingest  dead"
    )
    # the error on its line whole, for a log or a grep (a terminal wraps it itself)
    assert (
        lines[1].strip() == "corrupt_media: corrupt PDF: Failed to load document (PDFium: Data format error)."
    )
    monkeypatch.setenv("COLUMNS", "160")
    waiting.print_jobs([dead])
    assert "┃ job " in capsys.readouterr().out  # a table where it fits


def test_a_skipped_workflow_step_is_counted_apart_from_those_that_succeeded(capsys) -> None:
    from mediasift.cli import waiting

    step = {"id": "j", "media_id": "m", "type": "step", "status": "succeeded", "step": "enrich"}
    steps = [step, {**step, "step": "nutrition"}, {**step, "step": "when.1", "step_status": "skipped"}]
    waiting.print_outcome([], steps)
    said = " ".join(capsys.readouterr().err.split())
    assert (
        "and 2 workflow steps succeeded, 1 skipped (not for their media: a condition that did not hold"
        in said
    )
    # a skipped step's job, listed, reads skipped, not succeeded
    waiting.print_jobs([{**step, "step": "convert.mp3", "step_status": "skipped", "filename": "photo.jpg"}])
    listed = capsys.readouterr().out
    assert "skipped" in listed and "succeeded" not in listed


def test_media_show_says_how_the_file_read() -> None:
    detail = {
        "pages": 3,
        "metadata": {"extracted": {"cut_short": True, "unreadable_pages": [2], "scanned_pages": [3]}},
    }
    assert cli._read_notes(detail) == [
        "cut off: the file ends early; its first 3 page(s) were read (upload the whole file for the rest)",
        "pages that could not be read: 2",
        "pages read by OCR (no text layer): 3",
    ]
    assert cli._read_notes({"pages": 2, "metadata": {"extracted": {}}}) == []


def test_a_commands_own_line_is_a_log_record_where_the_log_is_no_terminal(caplog) -> None:
    import logging

    from mediasift.cli.output import announce

    # serve's banners had been plain lines in a JSON log, and untimed ones in a console log
    with caplog.at_level(logging.INFO, logger="mediasift.cli"):
        announce("mediasift serving on http://127.0.0.1:8000", markup="[b]mediasift[/b] serving")
    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.INFO, "mediasift serving on http://127.0.0.1:8000")
    ]
