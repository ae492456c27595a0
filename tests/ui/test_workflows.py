"""The web UI's workflow editor: a collection's default workflow loads, a typo is shown with its
line as it is typed (the server's own validation), and the fixed document saves as version 1,
which the API then answers."""

from __future__ import annotations

import pytest

from tests.ui.conftest import open_view, screenshot

pytestmark = pytest.mark.browser

DOCUMENT = """version: 1
steps:
  - ocr: {}
  - qualty: {}
  - convert: [{to: webp}]
"""


def test_workflow_editor_checks_as_you_type_and_saves(page, server):
    open_view(page, "#/workflow/fotos-ui")
    page.wait_for_selector("#wf-state:has-text('default one')")
    assert "transcribe" in page.input_value("#wf-editor")

    page.fill("#wf-editor", DOCUMENT)
    error = page.locator("#wf-errors li").first
    error.wait_for()
    assert "line 4" in error.inner_text() and "unknown step 'qualty'" in error.inner_text()
    assert page.is_disabled("#wf-save")
    screenshot(page, "workflow-error")

    page.fill("#wf-editor", DOCUMENT.replace("qualty", "quality"))
    page.wait_for_selector("#wf-steps li:has-text('convert.webp')")
    assert page.locator("#wf-errors li").count() == 0
    page.click("#wf-save")
    page.wait_for_selector("#wf-state:has-text('version 1')")

    stored = server.client.get("/v1/collections/fotos-ui/workflow").json()
    assert stored["version"] == 1 and stored["source"] == DOCUMENT.replace("qualty", "quality")
    assert [s["key"] for s in stored["steps"]] == ["ingest", "quality", "convert.webp", "index"]
