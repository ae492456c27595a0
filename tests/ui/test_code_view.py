"""Code in the page: a code hit shows its lines numbered as in the file, coloured, with the lines
holding the query's words marked; opening it shows the repository's file with the cited lines marked."""

from __future__ import annotations

import tarfile
from pathlib import Path

import pytest

from tests.code.queries import QUERIES, REPO, definition_line
from tests.ui.conftest import open_view, screenshot

pytestmark = pytest.mark.browser

FILES = ["src/taskrunner/retry.py", "src/taskrunner/queue.py", "web/dashboard.js"]


def test_a_code_hit_shows_numbered_coloured_lines_and_opens_at_the_cited_lines(page, server, tmp_path: Path):
    archive = tmp_path / "taskrunner-ui.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name in FILES:
            tar.add(REPO / name, arcname=f"taskrunner/{name}")
    server.ingest(archive)
    query = QUERIES[0]  # "function that retries a failed job" -> retry_failed_job
    defined = definition_line(query)

    open_view(page, "#/search?q=function%20that%20retries%20a%20failed%20job&kind=code")
    hit = page.locator(".code-hit").first
    hit.wait_for()
    assert hit.locator(".hit-where").inner_text().startswith(f"{query.path}:")
    assert "retry_failed_job" in hit.locator(".why").inner_text()
    numbers = [int(n) for n in hit.locator("pre.code .ln").all_inner_texts()]
    assert numbers[0] <= defined <= numbers[-1] and numbers == list(range(numbers[0], numbers[-1] + 1))
    marked = hit.locator("pre.code .line.marked").all_inner_texts()
    assert marked and all(
        "retr" in line.lower() or "fail" in line.lower() or "job" in line.lower() for line in marked
    )
    assert (
        hit.locator("pre.code .tok-keyword").count() > 0 and hit.locator("pre.code .tok-string").count() > 0
    )
    screenshot(page, "code-search-results")

    hit.locator("a.hit").click()
    cited = page.locator(".code-view .code-chunk.cited")
    cited.wait_for()
    assert page.locator(".code-view details[open] summary").first.inner_text() == query.path
    cited_numbers = [int(n) for n in cited.locator(".line.marked .ln").all_inner_texts()]
    assert defined in cited_numbers and cited_numbers == numbers
    assert page.locator("#nutrition").count() == 0  # nothing to eat in source code
    screenshot(page, "code-media-view")


def test_a_long_line_of_code_scrolls_in_its_card_not_the_page(page, server, tmp_path: Path):
    # A hit's code is drawn as written: a long line made the whole page scroll sideways, and on a
    # phone squeezed the search box to nothing.
    source = tmp_path / "wide_report.py"
    source.write_text(
        "def build_wide_quarterly_report(rows):\n"
        '    """Join every quarterly figure into one wide line for the export."""\n'
        f"    return ', '.join([{', '.join(f'str(rows[{i}])' for i in range(40))}])\n",
        encoding="utf-8",
    )
    server.ingest(source)
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        open_view(page, "#/search?q=build_wide_quarterly_report&kind=code")
        page.locator(".code-hit pre.code").first.wait_for()
        page_width = page.evaluate("document.documentElement.scrollWidth")
        assert page_width <= width, (width, page_width)
        box = page.locator(".searchbox input[type=search]").bounding_box()
        assert box is not None and box["width"] >= 0.5 * min(width, 900), (width, box)
    screenshot(page, "code-search-phone")
