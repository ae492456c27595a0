"""Benchmark: does personalization raise nDCG@10 for simulated users, without losing exact matches?

    python -m bench.personalization [--per-topic 8] [--users 12] [--sessions 5] [--seed 7]

1. A generated corpus: eight distinct topics (cooking, astronomy, gardening, football, jazz,
   bicycle repair, photography, sailing) × ``--per-topic`` text documents, ingested through the real
   path (store, job, worker, chunking, e5 embeddings, Qdrant Edge, catalog). Every document also
   holds one of four *generic* sentences shared across topics ("notes for the weekend club"…) and an
   item code of its own ("item code K7-0423").
2. Simulated users, each with one or two stated interests (topics). In every session each user
   searches the generic sentences — queries every topic matches equally, where only the user's
   taste can tell results apart — through the search service with ``personalize`` on, as the API
   does for a named user, the search recorded in their history. They scan the top 10 and click
   what matches their interests (``open``, then ``like`` half the time; a stray click on another
   topic 5 % of the time, and ``hide`` on an off-topic hit in their top 3 10 % of the time).
3. Before every session (session 0: no signals yet) the same queries are ranked for each user
   with and without personalization, side by side, and scored: nDCG@10 with gain 1 for a document
   of the user's interests. Then, after the last session, every user asks exact queries for
   documents outside their interests — an item code ("item code K7-0423") and a document's first
   sentence word for word: the share whose document is top-1 with and without personalization, and
   ``top1_kept``, the share of those top-1 without personalization still top-1 with it (must be 1).
4. And queries naming a topic outside their interests ("derailleur and brake pads" for a cook):
   the share of the top 3 of the topic asked for, with and without personalization (must not fall).

Results are printed (the ratios last) and written to bench/results/personalization.json.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import random
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.jobs import wait_for
from mediasift.catalog import repo
from mediasift.config import Settings
from mediasift.runtime import Runtime, open_runtime
from mediasift.services import feedback
from mediasift.services.ingest import ingest_stream
from mediasift.services.search import search
from mediasift.worker.loop import start_worker_threads

TENANT = "bench"
TOPICS = {
    "cooking": ["pasta dough", "tomato sauce", "sourdough bread", "olive oil", "garlic", "oven"],
    "astronomy": ["telescope", "Jupiter's moons", "lunar eclipse", "nebula", "star chart", "comet"],
    "gardening": ["rose bed", "compost heap", "seedlings", "mulch", "pruning shears", "soil"],
    "football": ["penalty kick", "midfield", "goalkeeper", "offside rule", "league table", "striker"],
    "jazz": ["saxophone solo", "swing rhythm", "double bass", "improvisation", "big band", "chord changes"],
    "cycling": ["derailleur", "chain", "brake pads", "inner tube", "spoke tension", "gear cable"],
    "photography": ["aperture", "shutter speed", "tripod", "exposure", "wide-angle lens", "ISO"],
    "sailing": ["mainsail", "tacking", "rudder", "knots", "harbour", "jib sheet"],
}
TEMPLATES = [
    "This page is about the {0} and the {1}; we also look at the {2}.",
    "Beginners often ask how the {0} relates to the {1} and why the {2} matters.",
    "A step-by-step look at the {0}, with advice on the {1} and the {2}.",
]
GENERIC = [
    "These are the notes for the weekend club members.",
    "Answers to the questions beginners ask most.",
    "A short practical guide written for this month.",
    "What our volunteers learned over the season.",
]
QUERIES = [
    "notes for the weekend club",
    "questions beginners ask",
    "a short practical guide",
    "what volunteers learned",
]


@dataclass
class User:
    id: str
    interests: set[str]
    rng: random.Random
    clicks: int = 0
    likes: int = 0
    hides: int = 0
    seen: set[str] = field(default_factory=set)


def make_corpus(per_topic: int, rng: random.Random) -> list[tuple[str, str, str, str]]:
    """``(filename, topic, item code, text)`` per document."""
    docs = []
    for topic, words in TOPICS.items():
        for i in range(per_topic):
            code = f"{rng.choice('ABCDEFGHJKLMNPQRSTUVWXYZ')}{rng.randint(2, 9)}-{rng.randint(1000, 9999)}"
            sentences = [rng.choice(TEMPLATES).format(*rng.sample(words, 3)) for _ in range(2)]
            text = f"{' '.join(sentences)} {GENERIC[(i + len(docs)) % len(GENERIC)]} Item code {code}."
            docs.append((f"{topic}-{i}.txt", topic, code, text))
    return docs


def ingest(rt: Runtime, docs: list[tuple[str, str, str, str]]) -> dict[str, str]:
    """Media id → topic, once every document is ready."""
    workers = start_worker_threads(rt, rt.settings.workers)
    jobs = {}
    for index, (name, topic, _, text) in enumerate(docs):
        made = ingest_stream(rt, TENANT, io.BytesIO(text.encode()), name, collection=f"c{index % 3}")
        jobs[made.job.id] = (made.media.id, topic)  # type: ignore[union-attr]
    wait_for(rt, TENANT, jobs, poll_s=0.2)
    for w in workers:
        w.stop()
    return {media_id: topic for media_id, topic in jobs.values()}


def ndcg_at_10(ranked: list[str], relevant: set[str]) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, m in enumerate(ranked[:10]) if m in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(relevant))))
    return dcg / ideal if ideal else 0.0


def ranked_media(rt: Runtime, query: str, user: str, personalize: bool) -> list[str]:
    hits = search(rt, TENANT, query, limit=10, user_id=user, personalize=personalize)
    return list(dict.fromkeys(h.media_id for h in hits))


def evaluate(rt: Runtime, users: list[User], topic_of: dict[str, str]) -> dict[str, float]:
    """Mean nDCG@10 over users and queries, with and without personalization, query by query."""
    on, off = [], []
    for user in users:
        relevant = {m for m, t in topic_of.items() if t in user.interests}
        for query in QUERIES:
            off.append(ndcg_at_10(ranked_media(rt, query, user.id, False), relevant))
            on.append(ndcg_at_10(ranked_media(rt, query, user.id, True), relevant))
    return {"personalized": statistics.mean(on), "unpersonalized": statistics.mean(off)}


def session(rt: Runtime, users: list[User], topic_of: dict[str, str]) -> None:
    for user in users:
        for query in QUERIES:
            ranked = ranked_media(rt, query, user.id, True)
            feedback.record_search(rt, TENANT, user.id, query)
            clicked = 0
            for position, media_id in enumerate(ranked):
                wanted = topic_of[media_id] in user.interests
                if user.rng.random() < (0.7 if wanted else 0.05):
                    feedback.record_feedback(rt, TENANT, user.id, media_id, "open")
                    user.clicks += 1
                    clicked += 1
                    if wanted and user.rng.random() < 0.5:
                        feedback.record_feedback(rt, TENANT, user.id, media_id, "like")
                        user.likes += 1
                elif not wanted and position < 3 and user.rng.random() < 0.1:
                    feedback.record_feedback(rt, TENANT, user.id, media_id, "hide")
                    user.hides += 1
                if clicked >= 3:
                    break


def exact_matches(
    rt: Runtime,
    users: list[User],
    docs: list[tuple[str, str, str, str]],
    ids: dict[str, str],
    rng: random.Random,
) -> dict[str, dict[str, float]]:
    """Per kind of exact query — a document's item code, its first sentence word for word — for
    documents outside each user's interests: the share answered top-1 with and without
    personalization, and of those answered top-1 without it, the share still top-1 with it."""
    kinds: dict[str, dict[str, float]] = {}
    for kind in ("item_code", "sentence"):
        counts = {"queries": 0, "unpersonalized": 0, "personalized": 0, "kept": 0}
        for user in users:
            others = [d for d in docs if d[1] not in user.interests]
            for name, _, code, text in rng.sample(others, 5):
                query = f"item code {code}" if kind == "item_code" else text.split(";")[0].split(".")[0]
                plain = ranked_media(rt, query, user.id, False)[:1] == [ids[name]]
                mine = ranked_media(rt, query, user.id, True)[:1] == [ids[name]]
                counts["queries"] += 1
                counts["unpersonalized"] += plain
                counts["personalized"] += mine
                counts["kept"] += plain and mine
        kinds[kind] = {
            "queries": counts["queries"],
            "top1_unpersonalized": round(counts["unpersonalized"] / counts["queries"], 3),
            "top1_personalized": round(counts["personalized"] / counts["queries"], 3),
            "top1_kept": round(counts["kept"] / max(1, counts["unpersonalized"]), 3),
        }
    return kinds


def topical(rt: Runtime, users: list[User], topic_of: dict[str, str], rng: random.Random) -> dict[str, float]:
    """Queries naming another topic than the user's ("derailleur and brake pads" for a cook): the
    share of the top 3 that is of the topic asked for, with and without personalization. A
    profile may reorder hits that match about equally; it must not pull the user's topic over
    documents that answer the query (must not fall)."""
    on, off = [], []
    for user in users:
        for topic in rng.sample([t for t in TOPICS if t not in user.interests], 3):
            query = " and ".join(rng.sample(TOPICS[topic], 2))
            for personalize, out in ((False, off), (True, on)):
                top = ranked_media(rt, query, user.id, personalize)[:3]
                out.append(sum(topic_of[m] == topic for m in top) / 3)
    return {
        "queries": len(on),
        "precision_at_3_unpersonalized": round(statistics.mean(off), 3),
        "precision_at_3_personalized": round(statistics.mean(on), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-topic", type=int, default=8)
    parser.add_argument("--users", type=int, default=12)
    parser.add_argument("--sessions", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    docs = make_corpus(args.per_topic, rng)
    with tempfile.TemporaryDirectory() as home:
        rt = open_runtime(Settings(home=Path(home), enrich=False, _env_file=None))  # type: ignore[call-arg]
        try:
            started = time.perf_counter()
            topic_of = ingest(rt, docs)
            ingest_s = time.perf_counter() - started
            with rt.catalog.read_session() as s:
                ids = {m.filename: media_id for media_id, m in repo.media_by_ids(s, TENANT, topic_of).items()}
            topics = list(TOPICS)
            users = [
                User(f"user{u}", set(rng.sample(topics, 1 + u % 2)), random.Random(args.seed * 1000 + u))
                for u in range(args.users)
            ]
            rounds = []
            for number in range(args.sessions + 1):
                scores = evaluate(rt, users, topic_of)
                rounds.append({"session": number, **{k: round(v, 4) for k, v in scores.items()}})
                print(json.dumps(rounds[-1]), flush=True)
                if number < args.sessions:
                    session(rt, users, topic_of)
            exact = exact_matches(rt, users, docs, ids, rng)
            other_topics = topical(rt, users, topic_of, rng)
        finally:
            rt.close()
    last = rounds[-1]
    result = {
        "corpus": {"documents": len(docs), "topics": len(TOPICS), "ingest_s": round(ingest_s, 1)},
        "users": [
            {
                "id": u.id,
                "interests": sorted(u.interests),
                "clicks": u.clicks,
                "likes": u.likes,
                "hides": u.hides,
            }
            for u in users
        ],
        "weight": Settings(_env_file=None).personalization_weight,  # type: ignore[call-arg]
        "ndcg_at_10_by_session": rounds,
        "exact_match_top1": exact,
        "other_topics": other_topics,
        "ratios": {
            "ndcg_at_10_personalized_over_unpersonalized": round(
                last["personalized"] / last["unpersonalized"], 3
            ),
            **{f"{kind}_top1_kept": exact[kind]["top1_kept"] for kind in exact},
            "other_topic_precision_at_3_personalized_over_unpersonalized": round(
                other_topics["precision_at_3_personalized"]
                / max(other_topics["precision_at_3_unpersonalized"], 1e-9),
                3,
            ),
        },
    }
    out = Path("bench/results/personalization.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(
        json.dumps({k: result[k] for k in ("corpus", "weight", "exact_match_top1", "other_topics")}, indent=2)
    )
    print(json.dumps({"ratios": result["ratios"]}, indent=2))


if __name__ == "__main__":
    main()
