"""Benchmark: the search HTTP path itself — requests/s and latency of ``GET /v1/search`` on loopback.

    python -m bench.search_api [--rounds 3] [--seconds 8] [--before PATH/src] [--paragraphs 60]

Starts a real ``mediasift serve`` on loopback (default settings; rate limit raised; no uploads
running) with a seed corpus (four generated maintenance logs, ~400 chunks), then measures, for
``--seconds`` each:

- ``repeated@8`` and ``repeated@32``: 24 hybrid queries, each asked once before, cycled by 8 or
  32 keep-alive connections (the result cache answers them all);
- ``distinct@8`` and ``distinct@32``: hybrid queries whose text was never asked (the query
  embedding, the engines and hydration run for every one), from 8 or 32 connections.

With ``--before``, a second server runs the ``src`` folder of another checkout (``git worktree
add /tmp/before main``) on its own home with the same corpus, and every measurement alternates
between the two servers, round after round, so both see the same shared load.

The load generator is cheap on purpose: two client processes (spawned, so they take no interpreter
lock from each other nor from this one), each driving its half of the connections with asyncio
over raw sockets: one pre-built request line per query, the response head read up to its blank
line and the body by its Content-Length, no HTTP library. Its own CPU is accounted for, not
hidden: each client process reports its CPU seconds (``time.process_time``) and the server's are
read from ``/proc/<pid>/stat`` before and after each measurement. Reported per measurement:
requests/s, p50/p95/p99/max, the server's CPU milliseconds per request (what the server's code
costs, whatever else the machine runs), and the clients' CPU milliseconds per request (what the
load generator took from the same cores). The 1-minute load average is printed with each round.

Ratios (after/before requests/s, per scenario, pooled over rounds) are printed last. Writes
bench/results/search_api.json. Targets (issue 21): >= 400 req/s repeated at concurrency 8, no
slower at 32, p99 < 250 ms repeated; >= 80 req/s distinct (at 8 and at 32).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import statistics
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx

from bench.serving import LiveServer, latency_summary, live_server, maintenance_text, upload, wait_for_jobs

CLIENT_PROCESSES = 2
REPEATED_QUERIES = 24
TARGET_REPEATED_RATE = 400.0
TARGET_DISTINCT_RATE = 80.0
TARGET_P99_MS = 250.0
SCENARIOS = (("repeated", 8), ("repeated", 32), ("distinct", 8), ("distinct", 32))


@dataclass(frozen=True)
class ClientJob:
    """What one client process runs: ``connections`` keep-alive connections for ``seconds``."""

    host: str
    port: int
    connections: int
    seconds: float
    queries: list[str]  # cycled; distinct runs give each process its own never-asked list


def _request_line(host: str, port: int, query: str) -> bytes:
    target = "/v1/search?" + urlencode({"q": query, "mode": "hybrid"})
    return f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode()


async def _connection(job: ClientJob, requests: list[bytes], start: int, deadline: float, out: dict) -> None:
    reader, writer = await asyncio.open_connection(job.host, job.port)
    i = start
    try:
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            writer.write(requests[i % len(requests)])
            i += job.connections
            head = await reader.readuntil(b"\r\n\r\n")
            status = int(head[9:12])
            length = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            await reader.readexactly(length)
            out["latencies"].append(time.perf_counter() - began)
            out["statuses"][status] = out["statuses"].get(status, 0) + 1
    finally:
        writer.close()


async def _drive(job: ClientJob, start_at: float) -> dict:
    requests = [_request_line(job.host, job.port, q) for q in job.queries]
    out: dict = {"latencies": [], "statuses": {}}
    await asyncio.sleep(max(0.0, start_at - time.time()))
    deadline = time.perf_counter() + job.seconds
    await asyncio.gather(*(_connection(job, requests, c, deadline, out) for c in range(job.connections)))
    return out


def _client_process(job: ClientJob, start_at: float, results: Connection) -> None:
    cpu = time.process_time()
    out = asyncio.run(_drive(job, start_at))
    out["cpu_s"] = time.process_time() - cpu
    results.send(out)
    results.close()


def _server_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def measure(
    server: LiveServer, queries_per_process: list[list[str]], concurrency: int, seconds: float
) -> dict:
    address = urlsplit(server.url)
    assert address.hostname and address.port
    spawn = multiprocessing.get_context("spawn")
    start_at = time.time() + 1.5  # every client process is up and connected-ready by then
    pipes, processes = [], []
    for n in range(CLIENT_PROCESSES):
        receiving, sending = spawn.Pipe(duplex=False)
        job = ClientJob(
            address.hostname, address.port, concurrency // CLIENT_PROCESSES, seconds, queries_per_process[n]
        )
        process = spawn.Process(target=_client_process, args=(job, start_at, sending))
        process.start()
        pipes.append(receiving)
        processes.append(process)
    time.sleep(max(0.0, start_at - time.time()))
    cpu_before = _server_cpu_s(server.process.pid)
    outs = [pipe.recv() for pipe in pipes]
    server_cpu = _server_cpu_s(server.process.pid) - cpu_before
    for process in processes:
        process.join()
    latencies = [s for out in outs for s in out["latencies"]]
    statuses: dict[str, int] = {}
    for out in outs:
        for status, count in out["statuses"].items():
            statuses[str(status)] = statuses.get(str(status), 0) + count
    count = max(1, len(latencies))
    return {
        "requests_per_s": round(len(latencies) / seconds, 1),
        "latency": latency_summary(latencies),
        "statuses": statuses,
        "server_cpu_ms_per_request": round(server_cpu * 1000 / count, 3),
        "client_cpu_ms_per_request": round(sum(out["cpu_s"] for out in outs) * 1000 / count, 3),
    }


def seed(server: LiveServer, paragraphs: int, repeated: list[str]) -> None:
    rng = random.Random(21)  # the same corpus on every server
    for i in range(4):
        path = server.home.parent / f"seed{i}.txt"
        path.write_text("\n\n".join(maintenance_text(rng, paragraphs)))
        upload(server.url, path)
    wait_for_jobs(server.url)
    for query in repeated:  # asked once before the load: the cache's first fill is not measured
        httpx.get(
            f"{server.url}/v1/search", params={"q": query, "mode": "hybrid"}, timeout=60
        ).raise_for_status()


def distinct_queries(tag: str, count: int) -> list[str]:
    rng = random.Random(tag)
    words = [w for p in maintenance_text(rng, 40) for w in p.split() if w.isalpha() and len(w) > 3]
    return [f"{rng.choice(words)} {rng.choice(words)} {rng.choice(words)} {tag} {i}" for i in range(count)]


def _pooled_rate(runs: list[dict]) -> float:
    return round(statistics.fmean(r["requests_per_s"] for r in runs), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each measurement")
    parser.add_argument("--paragraphs", type=int, default=60, help="per seed document (4 documents)")
    parser.add_argument("--before", type=Path, help="the src folder of the checkout to compare with")
    args = parser.parse_args()

    rng = random.Random(8)
    repeated = [
        f"{rng.choice(['pump', 'valve', 'boiler', 'grinder'])} "
        f"{rng.choice(['pressure', 'vibration', 'crema'])} {rng.choice(['readings', 'checks', 'limits'])}"
        for _ in range(REPEATED_QUERIES)
    ]
    repeated = list(dict.fromkeys(repeated))
    variants = {"after": None, **({"before": args.before.resolve()} if args.before else {})}
    results: dict[str, dict[str, list[dict]]] = {v: {f"{k}@{c}": [] for k, c in SCENARIOS} for v in variants}
    loads: list[float] = []
    with tempfile.TemporaryDirectory(prefix="mediasift-bench-search-api-") as tmp, ExitStack() as stack:
        servers = {
            name: stack.enter_context(live_server(Path(tmp) / name / "home", source=source))
            for name, source in variants.items()
        }
        for server in servers.values():
            seed(server, args.paragraphs, repeated)
        print(f"seeded; {args.rounds} rounds of {args.seconds:g} s per measurement", flush=True)
        for round_no in range(args.rounds):
            loads.append(os.getloadavg()[0])
            order = list(servers) if round_no % 2 == 0 else list(reversed(servers))
            for kind, concurrency in SCENARIOS:
                for name in order:
                    if kind == "repeated":
                        per_process = [repeated[n::CLIENT_PROCESSES] for n in range(CLIENT_PROCESSES)]
                    else:  # never asked: tagged by round, variant, concurrency and process
                        per_process = [
                            distinct_queries(f"r{round_no}{name}c{concurrency}p{n}", 4000)
                            for n in range(CLIENT_PROCESSES)
                        ]
                    run = measure(servers[name], per_process, concurrency, args.seconds)
                    results[name][f"{kind}@{concurrency}"].append(run)
                    print(
                        f"round {round_no + 1} load {loads[-1]:.2f} {name:6} {kind}@{concurrency}: "
                        f"{run['requests_per_s']} req/s p50 {run['latency'].get('p50_ms')} "
                        f"p99 {run['latency'].get('p99_ms')} ms, server "
                        f"{run['server_cpu_ms_per_request']} ms CPU/req, clients "
                        f"{run['client_cpu_ms_per_request']} ms CPU/req {run['statuses']}",
                        flush=True,
                    )

    after = results["after"]
    report: dict = {"load_average_1m": [round(x, 2) for x in loads], "results": results}
    report["targets"] = {
        "repeated@8 >= 400 req/s": _pooled_rate(after["repeated@8"]) >= TARGET_REPEATED_RATE,
        "repeated@32 no slower than @8": _pooled_rate(after["repeated@32"])
        >= _pooled_rate(after["repeated@8"]),
        "distinct@8 >= 80 req/s": _pooled_rate(after["distinct@8"]) >= TARGET_DISTINCT_RATE,
        "distinct@32 >= 80 req/s": _pooled_rate(after["distinct@32"]) >= TARGET_DISTINCT_RATE,
        "repeated p99 < 250 ms": all(
            r["latency"]["p99_ms"] < TARGET_P99_MS
            for key in ("repeated@8", "repeated@32")
            for r in after[key]
        ),
    }
    out = Path("bench/results/search_api.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(json.dumps(report["targets"], indent=2))
    for scenario in after:
        line = f"{scenario}: after {_pooled_rate(after[scenario])} req/s"
        if "before" in results:
            before = _pooled_rate(results["before"][scenario])
            line += f", before {before} req/s, ratio {_pooled_rate(after[scenario]) / max(before, 0.1):.2f}x"
        print(line)


if __name__ == "__main__":
    main()
