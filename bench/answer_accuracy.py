"""Benchmark: answers that say only what the sources say, over the retrieval evaluation's library.

    python -m bench.answer_accuracy [--distractors 160] [--thresholds 0.84,0.86,0.88]

The library is the one ``bench/retrieval.py`` builds and caches (same ``--distractors``). The
questions are its English, Spanish and cross-lingual document questions and its spoken ones, each
with the segment that answers it and a short reference answer (``bench/retrieval_facts.py``), plus
questions no media answers. For each evidence threshold (``ask_min_evidence``; the first listed
is the configured default) every question is asked of the configured answer model (extractive by
default), interleaved, and it reports per half (the retrieval set's development / held-back split):

- **citation precision**: of the citations given to answerable questions, the share that cite the
  answering segment (its media and sentence, second or page);
- **unrelated sentences**: answers citing anything else;
- **contains reference**: answers holding the short reference answer (English or Spanish form);
- **false "not found"**: answerable questions answered "Not found in your media.";
- **not found when absent**: questions no media answers, answered so;
- **passages embedded**: texts the text model embedded during the asks (the cache starts empty
  in each run; stored sentence vectors and the passages' cached vectors are read, not embedded).

Writes ``bench/results/answer_accuracy.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path
from typing import Any

from bench import retrieval_facts as facts
from bench.retrieval import TENANT, prepared_home
from bench.retrieval_corpus import Query, Relevance
from mediasift.runtime import open_runtime
from mediasift.services import ask as rag

KINDS = ("en", "es", "cross", "spoken")


def references(query: Query) -> list[str]:
    """Every form the reference answer may take: a document fact's English and Spanish forms."""
    for fact in facts.FACTS:
        if query.reference in (fact.ref_en, fact.ref_es) and query.text in (fact.q_en, fact.q_es):
            return [fact.ref_en, fact.ref_es]
    return [query.reference] if query.reference else []


def cites_answer(citation: rag.Citation, relevance: Relevance) -> bool:
    return relevance.moment(citation.hit)


EMBEDDED = [0]  # texts the text model embedded as passages (cache misses), all questions so far


def count_embedded_passages(rt: Any) -> None:
    """Count what reaches the text model: the passages an ask embeds rather than reads (stored
    sentence vectors, cached passage vectors)."""
    from mediasift.embed.text.factory import get_text_embedder

    model = get_text_embedder(rt.models, rt.settings)
    real = model.embed_passages

    def embed_passages(texts: Any) -> Any:
        EMBEDDED[0] += len(texts)
        return real(texts)

    model.embed_passages = embed_passages


def run_one(rt: Any, query: Query | str) -> dict[str, Any]:
    text = query if isinstance(query, str) else query.text
    before = EMBEDDED[0]
    answer = rag.ask(rt, TENANT, text)
    row: dict[str, Any] = {
        "question": text,
        "answer": answer.answer,
        "found": answer.found,
        "passages_embedded": EMBEDDED[0] - before,
    }
    if isinstance(query, str):
        return row
    good = [cites_answer(c, query.relevance) for c in answer.citations]
    folded = answer.answer.casefold()
    row.update(
        kind=query.kind,
        held_out=query.held_out,
        citations=len(good),
        correct_citations=sum(good),
        unrelated=len(good) - sum(good),
        contains_reference=any(ref.casefold() in folded for ref in references(query)),
    )
    return row


def summarize(rows: list[dict[str, Any]], absent: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for half, held_out in (("dev", False), ("held_out", True)):
        chosen = [r for r in rows if r["held_out"] == held_out]
        cited = sum(r["citations"] for r in chosen)
        out[half] = {
            "questions": len(chosen),
            "citation_precision": round(sum(r["correct_citations"] for r in chosen) / max(1, cited), 3),
            "answers_with_unrelated": sum(r["unrelated"] > 0 for r in chosen),
            "contains_reference": round(statistics.mean(r["contains_reference"] for r in chosen), 3),
            "false_not_found": sum(not r["found"] for r in chosen),
        }
    out["not_found_when_absent"] = f"{sum(not r['found'] for r in absent)}/{len(absent)}"
    # The first threshold's asks find the cache cold; later ones mostly read what it embedded.
    out["passages_embedded"] = sum(r["passages_embedded"] for r in [*rows, *absent])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--distractors", type=int, default=160)
    parser.add_argument("--thresholds", default="0.86", help="ask_min_evidence values, comma-separated")
    parser.add_argument(
        "--vary",
        help="NAME=v1,v2: values of a constant of answer/evidence.py (e.g. CROSS_LINGUAL_GAP) compared "
        "instead of thresholds, each with the first threshold",
    )
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).parent / "results" / "answer_accuracy.json"
    )
    args = parser.parse_args()
    settings, corpus, _ = prepared_home(args.distractors, fresh=False)
    questions = [q for q in corpus.queries if q.kind in KINDS and q.reference]
    thresholds = [float(t) for t in args.thresholds.split(",")]
    varied, values = args.vary.split("=", 1) if args.vary else ("", "")
    if varied:  # the constant is what varies: one key per value, the first threshold for all
        from mediasift.answer import evidence as evidence_module

        min_evidence, thresholds = thresholds[0], [float(v) for v in values.split(",")]
    rt = open_runtime(settings)
    count_embedded_passages(rt)
    results: dict[str, Any] = {}
    rows: dict[float, list[dict[str, Any]]] = {t: [] for t in thresholds}
    absent: dict[float, list[dict[str, Any]]] = {t: [] for t in thresholds}
    try:
        for query in [*questions, *facts.UNANSWERABLE]:
            for t in thresholds:  # interleaved: every threshold sees the same cache and load
                if varied:
                    rt.settings.ask_min_evidence = min_evidence
                    setattr(evidence_module, varied, t)
                elif "ask_min_evidence" in type(rt.settings).model_fields:  # absent before it existed
                    rt.settings.ask_min_evidence = t
                row = run_one(rt, query)
                (absent[t] if isinstance(query, str) else rows[t]).append(row)
    finally:
        rt.close()
    for t in thresholds:
        results[str(t)] = summarize(rows[t], absent[t])
        print(f"{varied or 'ask_min_evidence'}={t}: {json.dumps(results[str(t)])}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "questions": len(questions) + len(facts.UNANSWERABLE),
                "by_threshold": results,
                "rows": {str(t): rows[t] + absent[t] for t in thresholds},
            },
            indent=1,
            ensure_ascii=False,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
