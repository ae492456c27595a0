"""`mediasift convert` in its own process: waits for the job, writes the file, lists conversions."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from tests.test_cli_ingest import run_cli


def test_convert_waits_writes_the_file_and_lists_it(tmp_path: Path):
    home = tmp_path / "home"
    picture = tmp_path / "wide.png"
    Image.new("RGB", (640, 480), (30, 120, 200)).save(picture)
    ingested = run_cli(home, "ingest", str(picture), "--wait", "--json", enrich="false")
    assert ingested.returncode == 0, ingested.stderr
    media = {m["filename"]: m["id"] for m in json.loads(ingested.stdout)["media"]}

    out = tmp_path / "small.webp"
    made = run_cli(
        home, "convert", media["wide.png"], "--to", "webp", "--width", "160", "-o", str(out), "--json"
    )
    assert made.returncode == 0, made.stderr
    conversion = json.loads(made.stdout)
    assert conversion["status"] == "succeeded" and conversion["options"]["width"] == 160
    with Image.open(out) as image:
        assert image.format == "WEBP" and image.size == (160, 120)

    listed = run_cli(home, "conversions", media["wide.png"], "--json")
    assert [c["id"] for c in json.loads(listed.stdout)] == [conversion["id"]]
    bad = run_cli(home, "convert", media["wide.png"], "--to", "webp", "--option", "quality=500")
    assert bad.returncode == 2 and "invalid_request" in bad.stderr and "quality" in bad.stderr
