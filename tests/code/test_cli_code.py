"""The CLI and code: `ingest --repo` uploads a folder as one repository archive, `search` and `ask`
send --language and --path, and a code hit is printed as path:line_start-line_end."""

from __future__ import annotations

import tarfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from mediasift.cli import main as cli
from mediasift.cli.client import HttpClient

CODE_HIT = {
    "media_id": "m1", "segment_id": "s1", "filename": "taskrunner.tar.gz", "kind": "code",
    "modality": "code", "text": "def retry_failed_job(job):\n    ...", "start_s": None, "end_s": None,
    "page": None, "score": 0.03, "path": "src/taskrunner/retry.py", "line_start": 29, "line_end": 40,
    "symbol": "retry_failed_job", "cite": "src/taskrunner/retry.py:29-40",
    "meta": {"symbol_kind": "function"},
}  # fmt: skip


class RecordingClient:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.sources: list[str | None] = []

    def upload(
        self, path: Path, collection: str, metadata: dict | None = None, source: str | None = None
    ) -> dict[str, Any]:
        with tarfile.open(path) as tar:  # read now: the packed archive is a temporary file
            self.calls.append(("upload", (path.name, sorted(tar.getnames()))))
        self.sources.append(source)
        return {"media": {"id": "m1"}, "job": None}

    def search(self, query: str | None, **kw: Any) -> dict[str, Any]:
        self.calls.append(("search", kw))
        return {"hits": [CODE_HIT]}

    def ask(self, question: str, filters: dict[str, Any] | None = None) -> dict[str, Any]:
        self.calls.append(("ask", filters))
        citation = {"n": 1, **{k: CODE_HIT[k] for k in ("filename", "start_s", "page", "cite")}}
        return {"answer": "It retries [1].", "citations": [citation]}

    def close(self) -> None:
        pass


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> RecordingClient:
    recording = RecordingClient()
    monkeypatch.setattr(cli, "connect", lambda settings, tenant=None, **_: recording)
    return recording


def test_ingest_repo_uploads_a_folder_as_one_archive_without_what_git_ignores(
    client: RecordingClient, tmp_path: Path
) -> None:
    folder = tmp_path / "shop"
    for name, text in {".gitignore": "*.tmp\n", "app/main.py": "print(1)\n", "app/cache.tmp": "x"}.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)

    result = CliRunner().invoke(cli.app, ["ingest", "--repo", str(folder), "--json"])

    assert result.exit_code == 0, result.output
    assert client.calls == [("upload", ("shop.tar.gz", ["shop/.gitignore", "shop/app/main.py"]))]
    # the folder is what the repository's media follows: ingested again after a change, its new version
    assert client.sources == [cli.file_source(folder)] and client.sources[0].endswith(
        folder.resolve().as_posix()
    )


def test_search_and_ask_send_language_and_path_and_print_code_hits_as_path_and_lines(
    client: RecordingClient,
) -> None:
    runner = CliRunner()
    found = runner.invoke(cli.app, ["search", "retry", "--language", "python", "--path", "src/*"])
    asked = runner.invoke(cli.app, ["ask", "what retries?", "--language", "python", "--path", "src/*"])

    assert found.exit_code == 0 and asked.exit_code == 0, (found.output, asked.output)
    (_, searched), (_, filters) = client.calls
    assert searched["languages"] == ["python"] and searched["paths"] == ["src/*"]
    assert filters == {"languages": ["python"], "paths": ["src/*"]}
    assert "src/taskrunner/retry.py:29-40" in found.output
    assert "function retry_failed_job" in found.output and "def retry_failed_job(job):" in found.output
    assert "[1] taskrunner.tar.gz src/taskrunner/retry.py:29-40" in asked.output


def test_the_http_client_sends_language_and_path_as_repeated_parameters() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"query": "q", "hits": []})

    http = HttpClient(httpx.Client(base_url="http://mediasift.test", transport=httpx.MockTransport(handler)))
    http.search("q", languages=["go", "rust"], paths=["src/*", "*.py"])

    params = seen[0].url.params
    assert params.get_list("language") == ["go", "rust"] and params.get_list("path") == ["src/*", "*.py"]


def test_a_folder_without_source_files_is_not_uploaded_and_says_why(
    client: RecordingClient, tmp_path: Path
) -> None:
    # it had been uploaded as an empty archive, whose job died "a gz file that is not a tar archive"
    empty, vendored = tmp_path / "emptyrepo", tmp_path / "onlydeps"
    empty.mkdir()
    (vendored / "node_modules" / "x").mkdir(parents=True)
    (vendored / "node_modules" / "x" / "index.js").write_text("module.exports = 1;\n")
    shop = tmp_path / "shop"
    (shop / "app").mkdir(parents=True)
    (shop / "app" / "main.py").write_text("print(1)\n")

    result = CliRunner().invoke(cli.app, ["ingest", "--repo", str(empty), str(vendored), str(shop)])

    assert result.exit_code == 0, result.output
    assert [call for call, _ in client.calls] == ["upload"]  # shop only
    assert f"{empty}: no source files to read" in result.output
    assert f"{vendored}: no source files to read" in result.output
