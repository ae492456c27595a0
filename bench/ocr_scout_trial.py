"""Trial: does the OCR scout read every picture as the full pass does? (and how much faster)

    python -m bench.ocr_scout_trial [--only captions] [--show differing]

141 pictures, each read through ``read_picture`` (as ``extract/image.py`` reads it) twice: with
RapidOCR's full pass (``ocr_scout=False``) and with the scout (``ocr_scout=True``):

- bench (32): ``bench/image_ingest.py``'s pictures, 8 photos, 3 of the 4 copies captioned (28 px);
- tests (13): the OCR tests' renders: clean and degraded English and Spanish lines, two short lines,
  "hola", a blank, the captioned coffee, 14 px letters on a 1,600 px screenshot, a scanned page
  2,000 px wide, a 3,000 px poster, a 7,200 px tall screenshot, a slide's picture;
- captions (75): two lines drawn on five photos scaled to 512, 900 and 1,600 px on the long side,
  letters of 10, 14, 20, 28 and 40 px, in yellow, white, red or black (cycled);
- photos (21): those five photos at the three sizes without text, and six more photos as they come
  (``page`` holds printed text).

Per picture: **exact** (the same lines, letter for letter), **differing** (both read the same lines
of text, some letters or spaces differ), **missed** (a line the full pass read is not among the
scout's: its best match in the scout's text has a character error rate over 0.5). For pictures with
drawn text, the character error rate of each reading against what was drawn. And the seconds each
way. Results go to bench/results/ocr_scout_trial.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import skimage.data
from PIL import Image, ImageDraw, ImageFont
from tests.extract.imaging_samples import cer, degrade, render_text

from bench.image_ingest import FONT, _photos
from mediasift.extract.image import OCR_MAX_SIDE
from mediasift.extract.ocr_tiles import read_picture
from mediasift.media.images import decode_image
from mediasift.ocr.rapidocr import RapidOcrEngine

RESULTS = Path(__file__).parent / "results" / "ocr_scout_trial.json"
ENGLISH = ["Quarterly revenue grew twelve percent", "Shipping address: 42 Market Street", "Call us today"]
SPANISH = ["¿Dónde está la estación de tren?", "El niño comió piña y jamón", "Información pública: año 2024"]
CAPTIONED = ["coffee", "astronaut", "chelsea", "rocket", "hubble_deep_field"]
MORE_PHOTOS = ["camera", "coins", "moon", "page", "brick", "retina"]
SIDES = (512, 900, 1600)
LETTERS = (10, 14, 20, 28, 40)
COLOURS = ["yellow", "white", "red", "black"]
CAPTION_LINES = [
    ("Fresh coffee every morning", "Open daily from 7 to 19"),
    ("Salida del tren a las nueve", "Andén número cuatro"),
    ("Meeting room B on level 3", "Bring your badge"),
    ("Oferta válida hasta mañana", "Precio final 12,50 euros"),
    ("Mission control update", "Launch window opens at dawn"),
]

Picture = tuple[str, str, Image.Image, list[str] | None]  # set, name, RGB picture, drawn lines


def _photo(name: str, side: int | None = None) -> Image.Image:
    image = Image.fromarray(np.asarray(getattr(skimage.data, name)())).convert("RGB")
    if side is not None:
        scale = side / max(image.size)
        image = image.resize(
            (round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS
        )
    return image


def _drawn(
    image: Image.Image, texts: list[tuple[tuple[int, int], str]], size: int, colour: str
) -> Image.Image:
    copy = image.copy()
    draw, font = ImageDraw.Draw(copy), ImageFont.truetype(FONT, size)
    for position, text in texts:
        draw.text(position, text, fill=colour, font=font)
    return copy


def _tests() -> Iterator[Picture]:
    for name, lines in (("english", ENGLISH), ("spanish", SPANISH)):
        yield "tests", name, render_text(lines), lines
        yield "tests", f"{name} degraded", degrade(render_text(lines)), lines
    yield "tests", "two lines", render_text(["first line", "second line"]), ["first line", "second line"]
    yield "tests", "hola", render_text(["hola"]), ["hola"]
    yield "tests", "blank", Image.new("RGB", (400, 200), "white"), []
    yield (
        "tests",
        "coffee caption",
        _drawn(_photo("coffee"), [((10, 10), "Fresh coffee every morning")], 28, "red"),
        ["Fresh coffee every morning"],
    )
    small = ["Fresh coffee beans every morning", "Open daily from 7 to 19"]
    screenshot = _drawn(Image.new("RGB", (1600, 1200), "white"), [((200, 400), small[0])], 14, "black")
    yield "tests", "14 px screenshot", _drawn(screenshot, [((200, 428), small[1])], 14, "black"), small
    yield "tests", "scanned page", degrade(render_text(ENGLISH * 8, size=28, width=2000)), ENGLISH * 8
    poster = _drawn(Image.new("RGB", (3000, 2400), "white"), [((600, 1500), "Fits in one pass")], 60, "black")
    yield "tests", "poster", poster, ["Fits in one pass"]
    tall_lines = [("Order number 4417 confirmed", 120), ("Delivery window Tuesday morning", 1880),
                  ("Invoice total ninety dollars", 3350), ("Warranty card enclosed", 5100),
                  ("Thank you for shopping", 7050)]  # fmt: skip
    tall = _drawn(Image.new("RGB", (900, 7200), "white"), [((40, y), t) for t, y in tall_lines], 30, "black")
    yield "tests", "tall screenshot", tall, [t for t, _ in tall_lines]
    slide = ["Oferta válida hasta mañana"]
    yield "tests", "slide", render_text(slide, size=40), slide


def _captions() -> Iterator[Picture]:
    index = 0
    for p, name in enumerate(CAPTIONED):
        for side in SIDES:
            base = _photo(name, side)
            for letters in LETTERS:
                first, second = CAPTION_LINES[(p + index) % len(CAPTION_LINES)]
                colour = COLOURS[index % len(COLOURS)]
                x, y = base.width // 10, base.height // 2
                picture = _drawn(base, [((10, 10), first), ((x, y), second)], letters, colour)
                index += 1
                yield "captions", f"{name} {side} px, {letters} px {colour}", picture, [first, second]


def _plain() -> Iterator[Picture]:
    for name in CAPTIONED:
        for side in SIDES:
            yield "photos", f"{name} {side} px", _photo(name, side), None
    for name in MORE_PHOTOS:
        yield "photos", name, _photo(name), None


def pictures() -> Iterator[Picture]:
    """Every picture of the trial, in a fixed order."""
    for i, data in enumerate(_photos(4, "trial")):
        yield "bench", f"bench {i}", decode_image(data, 10**9), None
    yield from _tests()
    yield from _captions()
    yield from _plain()


def verdict(full: list[str], scout: list[str]) -> str:
    if full == scout:
        return "exact"
    joined = " ".join(scout)
    for line in full:  # a line is found when some stretch of the scout's text is close to it
        if (
            not joined
            or min(cer(line, joined[i : i + len(line)]) for i in range(max(1, len(joined) - len(line) + 1)))
            > 0.5
        ):
            return "missed"
    return "differing"


def _read(engine: RapidOcrEngine, image: Image.Image) -> tuple[list[str], float]:
    started = time.perf_counter()
    lines = read_picture(engine, image, OCR_MAX_SIDE)
    return [ln.text for ln in lines], time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="one set: bench, tests, captions or photos")
    parser.add_argument("--show", default="differing,missed", help="verdicts to print picture by picture")
    args = parser.parse_args()
    full, scouting = RapidOcrEngine(2, scout=False), RapidOcrEngine(2, scout=True)
    report: dict[str, Any] = {"load_average_before": [round(v, 2) for v in os.getloadavg()]}
    counts = {"exact": 0, "differing": 0, "missed": 0}
    seconds = {"full": 0.0, "scout": 0.0}
    errors: dict[str, list[float]] = {"full": [], "scout": []}
    rows = []
    for i, (group, name, image, drawn) in enumerate(pictures()):
        if args.only and group != args.only:
            continue
        # alternate which runs first, so neither is always the one that warms the caches
        if i % 2:
            read_full, took_full = _read(full, image)
            read_scout, took_scout = _read(scouting, image)
        else:
            read_scout, took_scout = _read(scouting, image)
            read_full, took_full = _read(full, image)
        seconds["full"] += took_full
        seconds["scout"] += took_scout
        found = verdict(read_full, read_scout)
        counts[found] += 1
        row: dict[str, Any] = {
            "set": group,
            "name": name,
            "verdict": found,
            "full": read_full,
            "scout": read_scout,
        }
        if drawn is not None:
            truth = "\n".join(drawn)
            row["cer"] = {
                "full": round(cer(truth, "\n".join(read_full)), 3),
                "scout": round(cer(truth, "\n".join(read_scout)), 3),
            }
            errors["full"].append(row["cer"]["full"])
            errors["scout"].append(row["cer"]["scout"])
        rows.append(row)
        if found in args.show.split(","):
            print(json.dumps(row, ensure_ascii=False), flush=True)
    report.update(
        pictures=len(rows),
        verdicts=counts,
        seconds={k: round(v, 1) for k, v in seconds.items()},
        scout_speedup=round(seconds["full"] / max(seconds["scout"], 1e-9), 2),
        mean_cer_against_drawn={k: round(float(np.mean(v)), 4) for k, v in errors.items() if v},
        load_average_after=[round(v, 2) for v in os.getloadavg()],
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({**report, "pictures_read": rows}, indent=2, ensure_ascii=False))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
