"""Benchmark: enrichment quality on the hand-labelled sets, and its cost per 1,000 words.

    python -m bench.enrich_quality [--threads 2]

1. NER: precision / recall / F1 on tests/enrich/data/ner_en.json, ner_es.json and
   ner_es_heldout.json (sentences written after the Spanish date/quantity patterns) and the
   ner_media_*.json sets (slide titles, signs, sentences opening on a capital: media's text), strict and
   lenient (see mediasift.enrich.scoring), typed and untyped, and per type.
2. Classification: macro-F1 of the zero-shot classifier and of the keyword baseline on
   classify_dev.json (where the scorer's constants were tuned) and classify.json (held out),
   per language.
3. Cost: seconds per 1,000 words for each stage (entities, keywords, summary, media labels) over
   every labelled English and Spanish text joined into two media, models already loaded; plus
   NER alone over a long text, which bounds a 500-page document.
4. Entity recognition over a chunked document, every chunk read whole against each read up to
   where the next begins (the overlap once), alternately: characters, CPU, entities.
5. Passages reused (the pipeline's path, ``enrich_media(..., passages=)``) against ``query:``
   vectors of enrichment's own: how often the two pick the same summary sentences and keywords,
   and on topic mixtures (one classify.json label's items, or a transcript, plus items of other
   labels) the share of summary sentences from the main topic and of keywords found more often
   in it than in the rest, each way.
Results are printed and written to bench/results/enrich_quality.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from mediasift.enrich.classify import KeywordClassifier, ZeroShotClassifier
from mediasift.enrich.embedding import document_vector, load_e5_queries, passage_document_vector
from mediasift.enrich.entities import TYPES, extract_entities
from mediasift.enrich.keywords import extract_keywords
from mediasift.enrich.ner_models import load_english_ner, load_spanish_ner
from mediasift.enrich.scoring import PRF, macro_f1, per_type, score_entities
from mediasift.enrich.summary import summarize
from mediasift.enrich.taxonomy import parse_taxonomy

DATA = Path(__file__).resolve().parent.parent / "tests" / "enrich" / "data"
RESULTS = Path(__file__).resolve().parent / "results"


def load(name: str) -> dict:
    return json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))


_NER_SETS = (
    "ner_en",
    "ner_es",
    "ner_es_heldout",
    "ner_media_en",
    "ner_media_es",
    "ner_media_en_heldout",
    "ner_media_es_heldout",
)


def ner_scores(name: str, lang: str) -> dict:
    sums = {key: PRF(0, 0, 0) for key in ("strict", "lenient", "untyped")}
    types = {kind: PRF(0, 0, 0) for kind in TYPES}
    for i, sentence in enumerate(load(name)["sentences"]):
        found = [
            (e.text, e.type) for e in extract_entities([(str(i), sentence["text"], None, None)], lang).items
        ]
        gold = [tuple(pair) for pair in sentence["entities"]]
        sums["strict"] += score_entities(gold, found)
        sums["lenient"] += score_entities(gold, found, lenient=True)
        sums["untyped"] += score_entities(gold, found, typed=False)
        for kind in TYPES:
            types[kind] += per_type(gold, found, kind)
    out = {key: _prf(v) for key, v in sums.items()}
    out["per_type"] = {kind: _prf(v) for kind, v in types.items() if v.tp + v.fp + v.fn}
    return out


def _prf(v: PRF) -> dict:
    return {"p": round(v.precision, 3), "r": round(v.recall, 3), "f1": round(v.f1, 3), "gold": v.tp + v.fn}


def classification_scores(name: str, embedder) -> dict:  # type: ignore[no-untyped-def]
    data = load(name)
    taxonomy = parse_taxonomy(data["taxonomy"])
    zero_shot, baseline = ZeroShotClassifier(taxonomy, embedder), KeywordClassifier(taxonomy)
    out = {}
    for lang in ("en", "es", "all"):
        items = [i for i in data["items"] if lang in ("all", i["lang"])]
        gold = [i["labels"] for i in items]
        texts = [i["text"] for i in items]
        ours = [[s.label for s in row] for row in zero_shot.classify_texts(texts)]
        theirs = [[s.label for s in row] for row in baseline.classify_texts(texts)]
        out[lang] = {
            "items": len(items),
            "zero_shot_macro_f1": round(macro_f1(ours, gold, taxonomy.names), 3),
            "keyword_macro_f1": round(macro_f1(theirs, gold, taxonomy.names), 3),
        }
    return out


def media_of(lang: str) -> list[tuple[str, str, float, None]]:
    """Every labelled text of one language as one media: transcript, NER and classification items."""
    texts = [text for _, text, _ in load("transcripts")[lang]]
    texts += [s["text"] for s in load(f"ner_{lang}")["sentences"]]
    texts += [i["text"] for i in load("classify")["items"] if i["lang"] == lang]
    return [(f"{lang}-{i}", text, i * 6.0, None) for i, text in enumerate(texts)]


def stage_costs(embedder) -> dict:  # type: ignore[no-untyped-def]
    """Wall and CPU seconds of each stage, as the pipeline will chain them (one document vector
    serves keywords and labels), on each language's labelled texts as one media (~1,100 words)
    and on twenty numbered copies of it (~22,000 words): the E5 stages read a bounded sample, so
    their cost is per media; NER reads everything up to its budget, so its cost is per word."""
    taxonomy = parse_taxonomy(load("classify")["taxonomy"])
    classifier = ZeroShotClassifier(taxonomy, embedder)
    out = {}
    for lang in ("en", "es"):
        short = media_of(lang)
        long = [
            (f"{sid}-{k}", f"Part {k}. {text}", start, page)
            for k in range(20)
            for sid, text, start, page in short
        ]
        for size, segments in (("short", short), ("long", long)):
            words = sum(len(text.split()) for _, text, _, _ in segments)
            texts = [t for _, t, _, _ in segments]
            wall, cpu = {}, {}
            _, wall["entities"], cpu["entities"] = _timed(extract_entities, segments, lang)
            vector, wall["document_vector"], cpu["document_vector"] = _timed(document_vector, texts, embedder)
            _, wall["keywords"], cpu["keywords"] = _timed(
                extract_keywords, segments, lang, embedder, document=vector
            )
            _, wall["summary"], cpu["summary"] = _timed(summarize, segments, lang, embedder)
            _, wall["labels"], cpu["labels"] = _timed(classifier.classify_vectors, vector)
            out[f"{lang}_{size}"] = {
                "words": words,
                "wall_s": {k: round(v, 3) for k, v in wall.items()},
                "cpu_s": {k: round(v, 3) for k, v in cpu.items()},
                "wall_total_s": round(sum(wall.values()), 2),
                "cpu_total_s": round(sum(cpu.values()), 2),
                "cpu_s_per_1000_words": round(sum(cpu.values()) * 1000 / words, 3),
            }
    return out


def topic_mixtures() -> dict[str, tuple[str, list[tuple[str, str, float, None]], set[str]]]:
    """Media of one main topic and some off-topic items: name -> (language, segments, the ids of
    the main topic's segments). classify.json's single-label items of one label and language,
    plus two of the next label; each transcript plus three finance items of its language."""
    items = load("classify")["items"]
    names = [label["name"] for label in load("classify")["taxonomy"]["labels"]]
    single = {(i["lang"], i["labels"][0]): [] for i in items if len(i["labels"]) == 1}
    for i in items:
        if len(i["labels"]) == 1:
            single[(i["lang"], i["labels"][0])].append(i["text"])
    out = {}
    for lang in ("en", "es"):
        for k, name in enumerate(names):
            main, other = single[(lang, name)], single[(lang, names[(k + 1) % len(names)])][:2]
            texts = [*main, *other]
            order = [texts[j] for j in sorted(range(len(texts)), key=lambda j: (j * 7) % len(texts))]
            segments = [(f"{lang}-{name}-{j}", t, j * 6.0, None) for j, t in enumerate(order)]
            out[f"{lang}_{name}"] = (lang, segments, {sid for sid, t, _, _ in segments if t in main})
        talk = [(sid, text, start, None) for sid, text, start in load("transcripts")[lang]]
        finance = [(f"finance-{j}", t, 900.0 + j, None) for j, t in enumerate(single[(lang, "finance")][:3])]
        out[f"{lang}_transcript"] = (lang, [*talk, *finance], {sid for sid, _, _, _ in talk})
    return out


def reuse_scores(embedder) -> dict:  # type: ignore[no-untyped-def]
    """Summary and keywords from reused passage vectors against ``query:`` vectors (see 4.)."""
    media = {f"labelled_{lang}": (lang, media_of(lang), None) for lang in ("en", "es")}
    media.update(topic_mixtures())
    totals = {"summary_same": 0, "summary": 0, "keywords_same": 0, "keywords": 0}
    purity = {
        way: {"summary_on_topic": 0, "summary": 0, "keywords_on_topic": 0, "keywords": 0}
        for way in ("query", "passage")
    }
    for lang, segments, main in media.values():
        texts = [t for _, t, _, _ in segments]
        picked = {
            "query": (
                [x.text for x in summarize(segments, lang, embedder).items],
                [
                    k.text
                    for k in extract_keywords(
                        segments, lang, embedder, document=document_vector(texts, embedder)
                    ).items
                ],
            ),
            "passage": (
                [x.text for x in summarize(segments, lang, embedder, passages=embedder).items],
                [
                    k.text
                    for k in extract_keywords(
                        segments,
                        lang,
                        embedder,
                        document=passage_document_vector(texts, embedder, embedder.dim),
                    ).items
                ],
            ),
        }
        totals["summary"] += len(picked["query"][0])
        totals["summary_same"] += len(set(picked["query"][0]) & set(picked["passage"][0]))
        totals["keywords"] += len(picked["query"][1])
        totals["keywords_same"] += len(set(picked["query"][1]) & set(picked["passage"][1]))
        if main is None:
            continue
        on = " ".join(t for sid, t, _, _ in segments if sid in main).lower()
        off = " ".join(t for sid, t, _, _ in segments if sid not in main).lower()
        for way, (summary, keywords) in picked.items():
            purity[way]["summary"] += len(summary)
            purity[way]["summary_on_topic"] += sum(
                any(x in t for sid, t, _, _ in segments if sid in main) for x in summary
            )
            purity[way]["keywords"] += len(keywords)
            purity[way]["keywords_on_topic"] += sum(
                on.count(k.lower()) / max(len(on), 1) > off.count(k.lower()) / max(len(off), 1)
                for k in keywords
            )
    return {"agreement": totals, "topic_mixtures": purity, "media": len(media)}


def _timed(function, *args, **kwargs):  # type: ignore[no-untyped-def]
    """``function(*args, **kwargs)``, its wall seconds and this process's CPU seconds."""
    started, started_cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - started, time.process_time() - started_cpu


def chunk_overlap() -> dict:
    """Entity recognition over a chunked document (this repository's ``docs/*.md``, cut as ingest
    cuts text: ``chunk_chars``/``chunk_overlap_chars``' defaults), reading every chunk whole (as
    before) and each only up to where the next begins (``enrich/media.py: _read_once``, as now),
    alternately, three rounds: characters read, CPU, entities and their occurrences."""
    from types import SimpleNamespace

    from mediasift.enrich.media import _read_once
    from mediasift.enrich.text_units import Segment
    from mediasift.extract.chunking import chunk_text

    docs = sorted((Path(__file__).resolve().parent.parent / "docs").glob("*.md"))[:12]
    stored = [
        SimpleNamespace(id=f"{n}-{i}", page=n, meta={"char_start": c.start}, text=c.text)
        for n, doc in enumerate(docs)
        for i, c in enumerate(chunk_text(doc.read_text(encoding="utf-8")))
    ][:300]
    # each document its own "page", so no chunk is cut where another document's chunk begins
    whole = [Segment(s.id, s.text, None, s.page, "en") for s in stored]
    once = _read_once(stored, whole)
    out: dict = {"chunks": len(whole)}
    cpu: dict[str, list[float]] = {"whole": [], "once": []}
    for _ in range(3):
        for name, segments in (("whole", whole), ("once", once)):
            found, _, seconds = _timed(extract_entities, segments, "en")
            cpu[name].append(round(seconds, 2))
            out[name] = {
                "characters": sum(len(s.text) for s in segments),
                "entities": len(found.items),
                "occurrences": sum(len(e.occurrences) for e in found.items),
                "cpu_s": cpu[name],
            }
    out["cpu_once_over_whole"] = round(min(cpu["once"]) / min(cpu["whole"]), 2)
    return out


def ner_throughput() -> dict:
    """NER alone over ~100,000 characters of varied English text (no budget applied)."""
    sentences = [s["text"] for s in load("ner_en")["sentences"]] + [
        text for _, text, _ in load("transcripts")["en"]
    ]
    pages, chars = [], 0
    while chars < 100_000:
        page = " ".join(sentences[(len(pages) + i) % len(sentences)] for i in range(12))
        pages.append((f"p{len(pages)}", page, None, len(pages) + 1))
        chars += len(page)
    started = time.perf_counter()
    extract_entities(pages, "en", max_chars=10**9)
    seconds = time.perf_counter() - started
    return {"chars": chars, "seconds": round(seconds, 2), "chars_per_second": round(chars / seconds)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    loads = {}
    for name, loader in (
        ("ner_en", load_english_ner),
        ("ner_es", load_spanish_ner),
        ("e5", lambda: load_e5_queries(args.threads)),
    ):
        started = time.perf_counter()
        loader()
        loads[name] = round(time.perf_counter() - started, 2)
    embedder = load_e5_queries(args.threads)
    results = {
        "load_average_before": os.getloadavg(),
        "model_load_seconds": loads,
        "ner": {name: ner_scores(name, name.removesuffix("_heldout")[-2:]) for name in _NER_SETS},
        "classification": {
            name: classification_scores(name, embedder) for name in ("classify_dev", "classify")
        },
        "cost": stage_costs(embedder),
        "passages_reused": reuse_scores(embedder),
        "ner_throughput_en": ner_throughput(),
        "chunk_overlap": chunk_overlap(),
    }
    for name, scores in results["ner"].items():
        print(
            f"{name:16} "
            + "  ".join(
                f"{k} P {v['p']:.2f} R {v['r']:.2f} F1 {v['f1']:.2f}" for k, v in list(scores.items())[:3]
            )
        )
        print(
            " " * 17
            + "  ".join(
                f"{k} {v['p']:.2f}/{v['r']:.2f} (n={v['gold']})" for k, v in scores["per_type"].items()
            )
        )
    for name, by_lang in results["classification"].items():
        for lang, v in by_lang.items():
            print(
                f"{name:16} {lang:3} n={v['items']:2}  zero-shot macro-F1 {v['zero_shot_macro_f1']:.3f}"
                f"  keyword baseline {v['keyword_macro_f1']:.3f}"
            )
    for media, v in results["cost"].items():
        print(
            f"cost {media} ({v['words']} words): wall {v['wall_total_s']} s, cpu {v['cpu_total_s']} s"
            f" = {v['cpu_s_per_1000_words']} cpu-s per 1,000 words"
        )
        print(f"    cpu s by stage {v['cpu_s']}")
    reuse = results["passages_reused"]
    agree = reuse["agreement"]
    print(
        f"passages reused vs query: same summary sentences {agree['summary_same']}/{agree['summary']},"
        f" same keywords {agree['keywords_same']}/{agree['keywords']} ({reuse['media']} media)"
    )
    for way, v in reuse["topic_mixtures"].items():
        print(
            f"    topic mixtures, {way:7}: summary on topic {v['summary_on_topic']}/{v['summary']},"
            f" keywords on topic {v['keywords_on_topic']}/{v['keywords']}"
        )
    print(f"NER throughput (en): {results['ner_throughput_en']}")
    print(f"entities of a chunked document, every chunk whole vs each once: {results['chunk_overlap']}")
    print(f"model loads (s): {loads}")
    results["load_average_after"] = os.getloadavg()
    print(
        f"load average before/after (the machine's other work skews wall times): "
        f"{results['load_average_before']} / {results['load_average_after']}"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "enrich_quality.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
