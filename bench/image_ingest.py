"""Benchmark: the image pipeline (images/s) beside its raw model calls, and OCR of scanned pages.

    python -m bench.image_ingest [--copies 4] [--rounds 3] [--pages 4] [--against ../main]

1. Images: scikit-image's sample photos (plus copies with a caption drawn in, so OCR has text to
   read), in ``--rounds`` interleaved rounds of two runs each:
   - pipeline: the real path, upload → job queue → ``workers`` worker threads → decode, OCR,
     EfficientNet vector and tags, thumbnail, phash, quality, enrichment, text vectors, index,
     catalog; images/s from the first upload to the last job done;
   - raw: the same pictures through the models alone, on as many threads: decode, RapidOCR's own
     pipeline (the library's ``RapidOCR`` call, as mediasift called it before the scout), the
     image model (vector and labels) and the text model over the OCR and tag texts.
   Every model is loaded, and two captioned pictures (one English, one Spanish) go through the
   pipeline before timing, so no first use (enrichment's entity models) is timed.
   ``--against DIR`` runs each round twice more in fresh processes, once with this checkout's
   ``src`` and once with ``DIR/src`` (a worktree of main: "before"), alternating, and prints the
   ratios of the two.
2. Where a picture's time goes: each stage of ``extract_image`` timed alone on every picture, and
   OCR three ways, picture by picture: the library's own call, mediasift's full pass (its own
   sessions) and the scout (``ocr_scout``).
3. Scanned pages: a letter-size page of English and Spanish text rendered to an image-only PDF
   (no text layer), OCR'd through ``extract/scanned.py`` at 150 and 300 DPI; ms per page.
Ratios are printed last; results go to bench/results/image_ingest.json. On shared cores the
absolute figures drift with the load (printed): compare the ratios.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import skimage.data
from PIL import Image, ImageDraw, ImageFont

from bench.jobs import wait_for
from mediasift.config import Settings
from mediasift.embed.image.factory import get_image_embedder
from mediasift.embed.text.factory import get_ingest_text_embedder
from mediasift.enrich.tags import tags_for
from mediasift.extract.base import ExtractContext
from mediasift.extract.scanned import ocr_pdf_pages
from mediasift.media.images import decode_image, exif_facts, perceptual_hash, thumbnail_jpeg
from mediasift.ocr.rapidocr import RapidOcrEngine
from mediasift.runtime import Runtime, open_runtime
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
RESULTS = Path(__file__).parent / "results" / "image_ingest.json"
ROOT = Path(__file__).resolve().parent.parent


def _captioned(name: str, caption: str | None, tag: str) -> bytes:
    """A sample photo as JPEG; ``tag`` goes in a JPEG comment, so each round's bytes are new
    media (the same bytes twice would be a duplicate, not a second ingest)."""
    image = Image.fromarray(np.asarray(getattr(skimage.data, name)())).convert("RGB")
    if caption:
        ImageDraw.Draw(image).text((10, 10), caption, fill="red", font=ImageFont.truetype(FONT, 28))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90, comment=tag.encode())
    return buffer.getvalue()


def _photos(copies: int, tag: str = "") -> list[bytes]:
    return [
        _captioned(name, f"{LINES[copy % len(LINES)]} #{copy}" if copy else None, f"{tag}/{copy}/{name}")
        for copy in range(copies)
        for name in PHOTOS
    ]


def _pipeline(rt: Runtime, photos: list[bytes]) -> float:
    """Seconds from the first upload to the last of their jobs finished."""
    started = time.perf_counter()
    jobs = [ingest_stream(rt, "bench", io.BytesIO(b), f"p{i}.jpg").job for i, b in enumerate(photos)]
    wait_for(rt, "bench", (j.id for j in jobs if j))
    return time.perf_counter() - started


def _library_ocr(threads: int) -> Any:
    """RapidOCR's own pipeline on its own sessions, configured as mediasift configured it."""
    from rapidocr import RapidOCR

    return RapidOCR(
        params={
            "Global.log_level": "error",
            "Global.use_cls": False,
            "Global.text_score": 0.5,
            "Det.limit_type": "max",
            "Det.limit_side_len": 960,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
    )


def _raw_caller(rt: Runtime) -> Callable[[bytes], None]:
    """The models a picture needs, called directly: RapidOCR's own pipeline (the library's
    ``RapidOCR``, configured as mediasift configured it), the image model, the text model."""
    ocr = _library_ocr(rt.settings.model_threads)
    image_model = get_image_embedder(rt.models, rt.settings)
    text_model = get_ingest_text_embedder(rt.models, rt.settings)

    def call(data: bytes) -> None:
        image = decode_image(data, rt.settings.max_pixels)
        small = image.copy()
        small.thumbnail((2000, 2000))
        result = ocr(np.ascontiguousarray(np.asarray(small)[:, :, ::-1]))
        texts = ["\n".join(result.txts)] if getattr(result, "txts", None) else []
        _, (labels,) = image_model.embed_and_label([image], k=5)
        text_model.embed_passages(texts + [tag.text for tag in tags_for(labels)])

    call(_captioned("camera", LINES[0], "raw warm-up"))
    return call


def _raw(call: Callable[[bytes], None], photos: list[bytes], workers: int) -> float:
    started = time.perf_counter()
    with ThreadPoolExecutor(max(1, workers)) as pool:
        list(pool.map(call, photos))
    return time.perf_counter() - started


def _runtime(tmp: Path) -> Runtime:
    rt = open_runtime(Settings(_env_file=None, home=tmp / "home"))  # type: ignore[call-arg]
    from mediasift.ops.readiness import preload

    for name in ("text", "image", "ocr"):
        preload(rt.models, rt.settings, name)
    try:  # the entity models: the warm-up captions need not reach both (English was loaded timed)
        from mediasift.enrich.ner_models import ner_model
    except ImportError:  # a checkout from before enrichment
        return rt
    for language in ("en", "es"):
        ner_model(language)
    return rt


def _rounds(rounds: int, copies: int) -> dict[str, Any]:
    """Pipeline and raw images/s, alternating, in one process."""
    with tempfile.TemporaryDirectory(prefix="mediasift-bench-images-", ignore_cleanup_errors=True) as tmp:
        rt = _runtime(Path(tmp))
        workers = start_worker_threads(rt, rt.settings.workers)
        # First uses outside the timing: enrichment's English and Spanish entity models, caches. One
        # at a time: two workers importing spaCy at once can leave it half imported (enrichment
        # then fails for every media of the process).
        for line in LINES[:2]:
            _pipeline(rt, [_captioned("camera", line, "warm-up")])
        raw_call = _raw_caller(rt)
        pipeline, raw, cpu = [], [], []
        for r in range(rounds):
            photos = _photos(copies, f"round {r}")
            used = time.process_time()
            pipeline.append(len(photos) / _pipeline(rt, photos))
            cpu.append((time.process_time() - used) * 1000 / len(photos))
            raw.append(len(photos) / _raw(raw_call, photos, rt.settings.workers))
        for w in workers:
            w.stop()
        rt.close()
    return {
        "images": len(photos),
        "workers": rt.settings.workers,
        "model_threads": rt.settings.model_threads,
        "pipeline_images_per_s": [round(v, 2) for v in pipeline],
        # CPU of the whole process (every thread) per picture: less at the mercy of the load
        "pipeline_cpu_ms_per_image": [round(v, 1) for v in cpu],
        "raw_images_per_s": [round(v, 2) for v in raw],
    }


_PER_ROUND = ("pipeline_images_per_s", "pipeline_cpu_ms_per_image", "raw_images_per_s")


def _against(other: Path, rounds: int, copies: int) -> dict[str, Any]:
    """Each round in fresh processes: this checkout's src, then ``other``'s, alternating."""
    runs: dict[str, list[dict[str, Any]]] = {"after": [], "before": []}
    for r in range(rounds):
        order = [("after", ROOT / "src"), ("before", other / "src")]
        for label, src in order if r % 2 == 0 else order[::-1]:
            env = {**os.environ, "PYTHONPATH": f"{src}{os.pathsep}{ROOT}"}
            out = subprocess.run(
                [sys.executable, "-m", "bench.image_ingest", "--child", "--copies", str(copies)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            runs[label].append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {
        label: {key: [run[key][0] for run in found] for key in _PER_ROUND} for label, found in runs.items()
    }


def _stages(rt: Runtime, photos: list[bytes]) -> dict[str, dict[str, float]]:
    """Median and mean ms per picture of each stage of extract_image, each timed alone, one
    thread, after one untimed pass over the first picture (a stage's first call imports its
    libraries: imagehash and scipy took 0.5 s once, which alone made phash's mean 15 ms)."""
    from mediasift.extract.image import OCR_MAX_SIDE
    from mediasift.extract.ocr_tiles import read_picture
    from mediasift.quality.image import picture_measures

    threads = rt.settings.model_threads
    full, scouting = RapidOcrEngine(threads, scout=False), RapidOcrEngine(threads, scout=True)
    library = _library_ocr(threads)
    image_model = get_image_embedder(rt.models, rt.settings)
    times: dict[str, list[float]] = {}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = fn()
        times.setdefault(name, []).append((time.perf_counter() - started) * 1000)
        return result

    for data in [photos[0], *photos]:
        image = timed("decode", lambda data=data: decode_image(data, rt.settings.max_pixels))
        timed("exif", lambda image=image: exif_facts(image))
        timed("phash", lambda image=image: perceptual_hash(image))
        timed("thumbnail", lambda image=image: thumbnail_jpeg(image))
        bgr = np.ascontiguousarray(np.asarray(image)[:, :, ::-1])
        timed("ocr: the library's own call", lambda bgr=bgr: library(bgr))
        timed("ocr: full pass", lambda image=image: read_picture(full, image, OCR_MAX_SIDE))
        timed("ocr: scout", lambda image=image: read_picture(scouting, image, OCR_MAX_SIDE))
        timed("image model", lambda image=image: image_model.embed_and_label([image], k=5))
        timed("quality pixels", lambda image=image: picture_measures(np.asarray(image)))
    timed_ms = {name: values[1:] for name, values in times.items()}  # the warm-up pass left out
    return {
        name: {"median": round(statistics.median(ms), 1), "mean": round(statistics.mean(ms), 1)}
        for name, ms in timed_ms.items()
    }


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


def _scanned(pages: int, copies: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="mediasift-bench-scan-", ignore_cleanup_errors=True) as tmp:
        rt = _runtime(Path(tmp))
        report: dict[str, Any] = {"stage_ms_per_image": _stages(rt, _photos(copies, "stages"))}
        pdf = _scanned_pdf(Path(tmp) / "scan.pdf", pages)
        for dpi in (150, 300):
            ctx = ExtractContext(
                media_id="bench", tenant_id="bench", kind="document", mime="application/pdf", path=pdf,
                filename="scan.pdf", settings=rt.settings, models=rt.models, store=rt.store,
            )  # fmt: skip
            times = []
            for page in range(1, pages + 1):
                started = time.perf_counter()
                ocr_pdf_pages(ctx, pdf, [page], dpi=dpi)
                times.append((time.perf_counter() - started) * 1000)
            report[f"{dpi}_dpi_ms_per_page"] = round(statistics.median(times))
        rt.close()
    return report


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def _ratio(top: list[float], bottom: list[float]) -> float:
    """Median of the per-round ratios: each pair ran side by side, under the same load."""
    return _median([t / b for t, b in zip(top, bottom, strict=True)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--copies", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pages", type=int, default=4)
    parser.add_argument("--against", type=Path, help="a checkout of the code before (its src/)")
    parser.add_argument("--stages-only", action="store_true", help="only section 2: where the time goes")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:  # one round for --against, its result as the last line
        print(json.dumps(_rounds(1, args.copies)))
        return

    report: dict[str, Any] = {"load_average_before": [round(v, 2) for v in os.getloadavg()]}
    if args.stages_only:
        with tempfile.TemporaryDirectory(prefix="mediasift-bench-stages-", ignore_cleanup_errors=True) as tmp:
            rt = _runtime(Path(tmp))
            report["stage_ms_per_image"] = _stages(rt, _photos(args.copies, "stages"))
            rt.close()
        report["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
        print(json.dumps(report, indent=2))
        return
    report.update(_rounds(args.rounds, args.copies))
    if args.against:
        report["processes"] = _against(args.against.resolve(), args.rounds, args.copies)
    report.update(_scanned(args.pages, args.copies))
    report["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    pipeline, raw = report["pipeline_images_per_s"], report["raw_images_per_s"]
    ratios = {
        "pipeline_images_per_s": _median(pipeline),
        "raw_images_per_s": _median(raw),
        "pipeline_over_raw": _ratio(pipeline, raw),
    }
    if args.against:
        after, before = report["processes"]["after"], report["processes"]["before"]
        for key in _PER_ROUND:
            ratios[f"after_over_before_{key}"] = _ratio(after[key], before[key])
        ratios["before_pipeline_over_raw"] = _ratio(
            before["pipeline_images_per_s"], before["raw_images_per_s"]
        )
        ratios["after_pipeline_over_raw"] = _ratio(after["pipeline_images_per_s"], after["raw_images_per_s"])
    report["ratios"] = ratios
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
