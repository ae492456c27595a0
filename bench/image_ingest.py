"""Benchmark: the full image pipeline (images/s) and OCR time per scanned page at 150 and 300 DPI.

    python -m bench.image_ingest [--copies 4] [--pages 4]

1. Images: scikit-image's sample photos (plus copies with a caption drawn in, so OCR has text to
   read) go through the real path — upload → worker → decode, OCR, EfficientNet embedding and tags,
   thumbnail, text embedding, index, catalog. Reports images/s end to end.
2. Scanned pages: a letter-size page of English and Spanish text is rendered to an image-only PDF
   (no text layer) and OCR'd through ``extract/scanned.py`` at 150 and 300 DPI; reports ms/page.
Writes bench/results/image_ingest.json.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import skimage.data
from PIL import Image, ImageDraw, ImageFont

from mediasift.catalog import jobs as job_rows
from mediasift.config import Settings
from mediasift.extract.base import ExtractContext
from mediasift.extract.scanned import ocr_pdf_pages
from mediasift.runtime import open_runtime
from mediasift.services.ingest import ingest_stream
from mediasift.worker.loop import start_worker_threads

PHOTOS = ["coffee", "astronaut", "rocket", "chelsea", "camera", "coins", "moon", "horse"]
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
LINES = [
    "Quarterly maintenance report for the espresso machines",
    "La temperatura del agua debe ser de noventa grados",
    "Replace the gasket when pressure drops below nine bar",
    "Información pública: el mercado abre los domingos",
]


def _photos(copies: int) -> list[bytes]:
    out = []
    font = ImageFont.truetype(FONT, 28)
    for copy in range(copies):
        for name in PHOTOS:
            image = Image.fromarray(np.asarray(getattr(skimage.data, name)())).convert("RGB")
            if copy:
                ImageDraw.Draw(image).text(
                    (10, 10), f"{LINES[copy % len(LINES)]} #{copy}", fill="red", font=font
                )
            buffer = io.BytesIO()
            image.save(buffer, format="JPEG", quality=90)
            out.append(buffer.getvalue())
    return out


def _scanned_pdf(path: Path, pages: int) -> Path:
    font = ImageFont.truetype(FONT, 36)
    images = []
    for p in range(pages):
        page = Image.new("RGB", (2550, 3300), "white")  # letter at 300 DPI
        draw = ImageDraw.Draw(page)
        for i in range(40):
            draw.text(
                (150, 150 + i * 75), f"{p + 1}.{i + 1} {LINES[i % len(LINES)]}", fill="black", font=font
            )
        images.append(page)
    images[0].save(path, save_all=True, append_images=images[1:], resolution=300.0)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--pages", type=int, default=4)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="mediasift-bench-images-") as tmp:
        rt = open_runtime(Settings(_env_file=None, home=Path(tmp) / "home"))  # type: ignore[call-arg]
        # Load the models before timing: the first use of each loads it (seconds).
        from mediasift.ops.readiness import preload

        preload(rt.models, rt.settings, "image")
        preload(rt.models, rt.settings, "ocr")

        photos = _photos(args.copies)
        workers = start_worker_threads(rt, rt.settings.workers)
        started = time.perf_counter()
        jobs = [ingest_stream(rt, "bench", io.BytesIO(b), f"p{i}.jpg").job for i, b in enumerate(photos)]
        pending = {j.id for j in jobs if j}
        while pending:
            with rt.catalog.session() as s:
                pending -= {j for j in pending if job_rows.get_job(s, j).status in ("succeeded", "dead")}
            time.sleep(0.2)
        wall = time.perf_counter() - started
        for w in workers:
            w.stop()

        pdf = _scanned_pdf(Path(tmp) / "scan.pdf", args.pages)
        ocr = {}
        for dpi in (150, 300):
            ctx = ExtractContext(
                media_id="bench", tenant_id="bench", kind="document", mime="application/pdf", path=pdf,
                filename="scan.pdf", settings=rt.settings, models=rt.models, store=rt.store,
            )  # fmt: skip
            times = []
            for page in range(1, args.pages + 1):
                t = time.perf_counter()
                ocr_pdf_pages(ctx, pdf, [page], dpi=dpi)
                times.append((time.perf_counter() - t) * 1000)
            ocr[f"{dpi}_dpi_ms_per_page"] = round(statistics.median(times))
        rt.close()

    report = {
        "images": len(photos),
        "wall_s": round(wall, 1),
        "images_per_s": round(len(photos) / wall, 2),
        "workers": rt.settings.workers,
        **ocr,
    }
    print(json.dumps(report, indent=2))
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "image_ingest.json").write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
