"""Retake docs/assets/ui.png: a real ``mediasift serve`` with a few generated files ingested, its
Search page photographed by Debian's Chromium (headless, the browser tests' flags).

    PYTHONPATH=src:. .venv/bin/python scripts/ui_screenshot.py [OUT.png]

Needs ffmpeg, espeak-ng and /usr/bin/chromium (scripts/system-deps.sh) and the test extra.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright
from skimage import data
from tests import docgen, mediagen
from tests.ui.conftest import CHROMIUM, CHROMIUM_ARGS, Server, running_server

OUT = Path(__file__).resolve().parents[1] / "docs" / "assets" / "ui.png"
QUERY = "charge the battery before a long journey"
MANUAL = [
    ["E-bike owner's manual", "", "Battery care", "Charge the battery fully before a long journey.",
     "Store the battery indoors between ten and twenty degrees."],
    ["Maintenance", "", "Check the tyre pressure every week.", "Clean and oil the chain every month."],
]  # fmt: skip


def ingest_examples(server: Server, work: Path) -> None:
    talk = mediagen.talk_video(work / "video", "mp4", script=[("en", s) for s in mediagen.EN_SENTENCES])
    server.ingest(talk.path.rename(talk.path.with_name("road_trip_briefing.mp4")), collection="travel")
    server.ingest(docgen.make_pdf(work / "ebike_manual.pdf", MANUAL), collection="manuals")
    photo = work / "coffee.jpg"
    Image.fromarray(data.coffee()).save(photo, quality=90)
    server.ingest(photo, collection="travel")


def photograph_search(server: Server, out: Path) -> None:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(base_url=server.base, viewport={"width": 1200, "height": 760})
        page.goto("/#/search")
        page.wait_for_selector("body[data-ready=true]")
        page.fill("#q", QUERY)
        page.keyboard.press("Enter")
        page.locator(".result-card").nth(1).wait_for()
        page.wait_for_load_state("networkidle")  # thumbnails
        page.screenshot(path=str(out))
        browser.close()


def shrink(path: Path) -> None:
    """A 256-colour PNG: the page is flat colours and text, and the picture stays well under 300 KB."""
    Image.open(path).convert("RGB").quantize(256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    with tempfile.TemporaryDirectory(prefix="mediasift-shot-") as tmp, running_server(Path(tmp)) as server:
        ingest_examples(server, Path(tmp) / "media")
        photograph_search(server, out)
    shrink(out)
    print(f"{out}: {out.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
