"""The documentation site builds with ``mkdocs build --strict`` (no broken link, anchor or page),
its reference pages carry the generated text, and no page loads anything from another origin.

The README is the short front door: at most 150 lines, the two commands, links that resolve.
"""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from mediasift.cli.docs_reference import cli_commands
from mediasift.cli.main import app as cli_app
from mediasift.config import Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def _page(site: Path, name: str) -> str:
    return html.unescape((site / name / "index.html").read_text())


def test_the_site_has_every_page_the_issue_names(site: Path) -> None:
    pages = [
        "getting-started", "concepts", "reference/http-api", "reference/cli", "reference/configuration",
        "ask", "web-ui", "operations", "security", "scale-out", "deploy-aws", "benchmarks",
        "architecture", "troubleshooting", "changelog",
    ]  # fmt: skip
    assert [p for p in pages if not (site / p / "index.html").is_file()] == []


def test_built_reference_pages_show_every_setting_command_and_operation(site: Path) -> None:
    configuration = _page(site, "reference/configuration")
    assert [n for n in Settings.model_fields if f"MEDIASIFT_{n.upper()}" not in configuration] == []
    cli = _page(site, "reference/cli")
    commands = [path for path, _, _ in cli_commands(typer.main.get_command(cli_app))]
    assert [c for c in commands if not re.search(rf">{re.escape(c)}<", cli)] == []
    http_api = _page(site, "reference/http-api")
    for path in ("/v1/media/{media_id}/transcript.{fmt}", "/v1/admin/dlq/retry", "/static/{name}"):
        assert path in http_api
    assert "<!-- generated:" not in http_api + cli + configuration


def test_built_pages_load_nothing_from_another_origin(site: Path) -> None:
    outside = re.compile(
        r"""<(?:script|img|iframe)[^>]*\ssrc=["']?(?:https?:)?//|<link[^>]*\shref=["']?(?:https?:)?//"""
    )
    offenders = [
        str(page.relative_to(site)) for page in site.rglob("*.html") if outside.search(page.read_text())
    ]
    assert offenders == []
    assert not [p for p in site.rglob("*.css") if "fonts.googleapis" in p.read_text()]


def test_the_readme_is_short_names_the_two_commands_and_its_links_resolve() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 150
    assert "make run" in readme and "make test" in readme
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme):
        if not re.match(r"[a-z]+:", target):
            assert (ROOT / target).exists(), target
