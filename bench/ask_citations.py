"""Benchmark: citation accuracy of answers over generated media with known content.

    python -m bench.ask_citations

Generates a barista class video (English and Spanish speech, burned-in captions), a podcast-style
audio track (the test media generator's default script) and a five-page appliance manual (PDF),
ingests them through the real pipeline (ASR, OCR, embeddings, index), then asks each question of
a fixed set and checks the answer's citations against where the answer really is:

- **top citation correct**: the first citation names the right media and, for speech, a second
  within ±3 s of when the sentence starts; for documents, the right page;
- **any citation correct**: one of the citations is;
- **not found**: questions about things absent from the media must answer "Not found in your media."

Results are printed and written to ``bench/results/ask_citations.json``. The answer model is the
configured one (``MEDIASIFT_ANSWER_MODEL``, extractive by default).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

from tests import mediagen
from tests.docgen import make_pdf

from mediasift.config import Settings
from mediasift.runtime import Runtime, open_runtime
from mediasift.services import ask as rag
from mediasift.services.ingest import ingest_stream
from mediasift.worker.loop import start_worker_threads

TOLERANCE_S = 3.0
TENANT = "bench"

BARISTA = [
    ("en", "Grind the coffee beans just before you brew the espresso."),
    ("en", "The water should be at ninety two degrees for a good extraction."),
    ("en", "Steam the milk until the jug feels hot to the touch."),
    ("es", "Limpia la boquilla de vapor después de cada uso."),
    ("es", "Una dosis doble de espresso lleva dieciocho gramos de café."),
]
MANUAL = [
    "Welcome to the Frostline fridge manual. Read every page before first use.",
    "Unpack the fridge and let it stand upright for four hours before plugging it in.",
    "Keep the refrigerator temperature at or below four degrees Celsius. "
    "Check the door seal every month and defrost the freezer when ice builds up.",
    "Clean the shelves with warm water and a mild soap. Never use abrasive cleaners on the glass.",
    "The warranty covers the compressor for five years from the date of purchase. "
    "Keep the receipt as proof of purchase.",
]


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    filename: str | None  # None: the answer must be "not found"
    start_s: float | None = None
    page: int | None = None


def make_media(root: Path) -> tuple[list[Path], list[Question]]:
    barista = mediagen.talk_video(root / "barista", script=BARISTA)
    video = barista.path.rename(barista.path.with_name("barista_clase.mp4"))
    podcast = mediagen.speech_track(root / "podcast", name="podcast.wav")
    manual = make_pdf(root / "manual.pdf", [textwrap.wrap(page, 70) for page in MANUAL])
    at = {u.text: u.start_s for u in barista.utterances + podcast.utterances}
    b, p = [s for _, s in BARISTA], mediagen.EN_SENTENCES + mediagen.ES_SENTENCES
    questions = [
        Question("When should I grind the coffee beans?", video.name, at[b[0]]),
        Question("What water temperature gives a good espresso extraction?", video.name, at[b[1]]),
        Question("How long should I steam the milk?", video.name, at[b[2]]),
        Question("¿Cuándo hay que limpiar la boquilla de vapor?", video.name, at[b[3]]),
        Question("How many grams of coffee go in a double espresso?", video.name, at[b[4]]),
        Question("How warm was the lake this morning?", podcast.path.name, at[p[0]]),
        Question("What should I do before a long journey?", podcast.path.name, at[p[1]]),
        Question("When does the library close on Saturdays?", podcast.path.name, at[p[2]]),
        Question("¿Qué días abre el mercado de frutas?", podcast.path.name, at[p[3]]),
        Question("Where does my sister work?", podcast.path.name, at[p[4]]),
        Question("How long must the fridge stand before plugging it in?", manual.name, page=2),
        Question("What temperature should the fridge be kept at?", manual.name, page=3),
        Question("What should I clean the shelves with?", manual.name, page=4),
        Question("How long is the compressor warranty?", manual.name, page=5),
        Question("Who won the football world cup in 1998?", None),
        Question("What is the capital of Mongolia?", None),
    ]
    return [video, podcast.path, manual], questions


def ingest(rt: Runtime, paths: list[Path]) -> None:
    for path in paths:
        with path.open("rb") as f:
            ingest_stream(rt, TENANT, f, path.name)
    workers = start_worker_threads(rt, rt.settings.workers)
    try:
        deadline = time.monotonic() + 900
        while time.monotonic() < deadline:
            stats = rt.queue.stats()
            # a job in retry backoff is "delayed", and not finished either
            if not (stats["depth"] or stats["in_flight"] or stats.get("delayed", 0)):
                break
            time.sleep(0.5)
    finally:
        for w in workers:
            w.stop()
    rt.index.optimize()


def correct(citation: rag.Citation, q: Question) -> bool:
    hit = citation.hit
    if hit.filename != q.filename:
        return False
    if q.page is not None:
        return hit.page == q.page
    return hit.start_s is not None and abs(hit.start_s - (q.start_s or 0.0)) <= TOLERANCE_S


def run(settings: Settings) -> dict:
    rt = open_runtime(settings)
    try:
        root = settings.home / "media"
        paths, questions = make_media(root)
        started = time.perf_counter()
        ingest(rt, paths)
        ingest_s = time.perf_counter() - started
        rows, latencies = [], []
        for q in questions:
            t0 = time.perf_counter()
            answer = rag.ask(rt, TENANT, q.text)
            latencies.append(time.perf_counter() - t0)
            top = bool(answer.citations) and correct(answer.citations[0], q)
            rows.append(
                {
                    "question": q.text,
                    "expected": {"filename": q.filename, "start_s": q.start_s, "page": q.page},
                    "answer": answer.answer,
                    "citations": [
                        {"n": c.n, "filename": c.hit.filename, "start_s": c.hit.start_s, "page": c.hit.page}
                        for c in answer.citations
                    ],
                    "top_correct": top if q.filename else not answer.found,
                    "any_correct": any(correct(c, q) for c in answer.citations)
                    if q.filename
                    else not answer.found,
                }
            )
    finally:
        rt.close()
    answerable = [r for r, q in zip(rows, questions, strict=True) if q.filename]
    unanswerable = [r for r, q in zip(rows, questions, strict=True) if not q.filename]
    return {
        "answer_model": settings.answer_model,
        "questions": len(rows),
        "top_citation_accuracy": round(sum(r["top_correct"] for r in answerable) / len(answerable), 3),
        "any_citation_accuracy": round(sum(r["any_correct"] for r in answerable) / len(answerable), 3),
        "not_found_accuracy": round(sum(r["top_correct"] for r in unanswerable) / len(unanswerable), 3),
        "ingest_s": round(ingest_s, 1),
        "ask_p50_s": round(sorted(latencies)[len(latencies) // 2], 3),
        "ask_max_s": round(max(latencies), 3),
        "rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "ask_citations.json")
    args = parser.parse_args()
    if not mediagen.have_tools():
        raise SystemExit("needs ffmpeg, espeak-ng and DejaVu fonts (see tests/mediagen.py)")
    with tempfile.TemporaryDirectory() as tmp:
        result = run(Settings(home=Path(tmp) / "home"))
    for r in result["rows"]:
        mark = "ok " if r["top_correct"] else "MISS"
        cites = ", ".join(
            f"[{c['n']}] {c['filename']} " + (f"p. {c['page']}" if c["page"] else f"@ {c['start_s']}")
            for c in r["citations"]
        )
        print(f"{mark} {r['question']}\n     expected {r['expected']}\n     cited {cites or '-'}")
    summary = {k: v for k, v in result.items() if k != "rows"}
    print(json.dumps(summary, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
