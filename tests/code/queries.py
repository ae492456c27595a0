"""The sample repository (``taskrunner/``) and questions about its code, asked by meaning.

``taskrunner/`` is a small job runner written for these tests in every language code search
reads (Python, JavaScript, TypeScript, Go, Rust, Java, C, C++, SQL, shell and a notebook). Each
``CodeQuery`` describes what a piece of code does in other words than its name, and names where
the answer is: the file and the symbol (``Class.method``). ``definition_line`` finds the line the
symbol is defined on by reading the file, so a test checks a hit's line range against the file
itself, not against what the extractor said.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).parent / "taskrunner"


@dataclass(frozen=True)
class CodeQuery:
    question: str
    path: str
    symbol: str
    language: str


QUERIES = [
    CodeQuery("function that retries a failed job", "src/taskrunner/retry.py", "retry_failed_job", "python"),
    CodeQuery(
        "how long to wait before trying again, doubling each time with random jitter",
        "src/taskrunner/retry.py",
        "backoff_delay",
        "python",
    ),
    CodeQuery(
        "give the next job to a worker and hide it from other workers until a timeout",
        "src/taskrunner/queue.py",
        "JobQueue.lease",
        "python",
    ),
    CodeQuery(
        "set aside a job that keeps failing so someone can inspect it",
        "src/taskrunner/queue.py",
        "JobQueue.dead_letter",
        "python",
    ),
    CodeQuery("when does a cron schedule fire next", "src/taskrunner/scheduler.py", "next_run", "python"),
    CodeQuery(
        "write progress to disk so a crash never leaves a half-written file",
        "src/taskrunner/storage.py",
        "save_checkpoint",
        "python",
    ),
    CodeQuery(
        "check a token's signature without leaking timing information",
        "src/taskrunner/auth.py",
        "verify_token",
        "python",
    ),
    CodeQuery(
        "show milliseconds as minutes and seconds for people",
        "web/dashboard.js",
        "formatDuration",
        "javascript",
    ),
    CodeQuery(
        "keep asking the server for job states every few seconds",
        "web/dashboard.js",
        "PollingClient.poll",
        "javascript",
    ),
    CodeQuery("whether a job has finished for good", "web/types.ts", "isTerminal", "typescript"),
    CodeQuery(
        "tell the coordinator the worker is still alive and extend its lease",
        "worker/main.go",
        "Worker.Heartbeat",
        "go",
    ),
    CodeQuery("stop cleanly when the process receives SIGTERM", "worker/main.go", "gracefulShutdown", "go"),
    CodeQuery(
        "allow only so many requests per second with a token bucket",
        "native/limits.rs",
        "RateLimiter.try_acquire",
        "rust",
    ),
    CodeQuery(
        "evict the entry used longest ago when the cache is full", "native/lru.cpp", "LruCache.put", "cpp"
    ),
    CodeQuery("compress a dump of the database every night", "scripts/backup.sh", "backup_database", "shell"),
]

# Asked of the notebook: its code cell and its output.
NOTEBOOK_PATH = "notebooks/throughput.ipynb"
# The same questions as a Spanish-speaking developer asks them of the same (English) code.
SPANISH = [
    "función que reintenta un trabajo fallido",
    "cuánto esperar antes de volver a intentarlo, el doble cada vez con un poco de azar",
    "dar el siguiente trabajo a un trabajador y ocultarlo a los demás hasta un plazo",
    "apartar un trabajo que sigue fallando para que alguien lo revise",
    "cuándo se dispara la próxima vez una programación cron",
    "guardar el progreso en disco para que un fallo nunca deje un archivo a medio escribir",
    "comprobar la firma de un token sin filtrar información de tiempos",
    "mostrar milisegundos como minutos y segundos para las personas",
    "preguntar al servidor por el estado de los trabajos cada pocos segundos",
    "si un trabajo ha terminado definitivamente",
    "avisar al coordinador de que el trabajador sigue vivo y alargar su préstamo",
    "parar limpiamente cuando el proceso recibe SIGTERM",
    "permitir solo tantas peticiones por segundo con un cubo de fichas",
    "expulsar la entrada usada hace más tiempo cuando la caché está llena",
    "comprimir un volcado de la base de datos cada noche",
]
SPANISH_QUERIES = [
    CodeQuery(question, q.path, q.symbol, q.language) for question, q in zip(SPANISH, QUERIES, strict=True)
]

NOTEBOOK_QUERY = CodeQuery("95th percentile of how long jobs waited", NOTEBOOK_PATH, "tail_latency", "python")

_DEFINITION = {
    "python": r"^\s*(?:async\s+)?(?:def|class)\s+{name}\b",
    "javascript": r"^\s*(?:export\s+)?(?:async\s+)?(?:function\s+{name}\b|class\s+{name}\b|{name}\s*\()",
    "typescript": r"^\s*(?:export\s+)?(?:function|interface|type|class)\s+{name}\b",
    "go": r"^func\s+(?:\([^)]*\)\s*)?{name}\b",
    "rust": r"^\s*(?:pub\s+)?fn\s+{name}\b",
    "cpp": r"^\s*[\w:<>&*\s]+\b{name}\s*\(",
    "shell": r"^\s*(?:function\s+)?{name}\s*\(\)",
}


def definition_line(query: CodeQuery) -> int:
    """The 1-based line of the file where ``query.symbol``'s last part is defined."""
    name = re.escape(query.symbol.rsplit(".", 1)[-1])
    pattern = re.compile(_DEFINITION[query.language].format(name=name))
    for number, line in enumerate((REPO / query.path).read_text().splitlines(), 1):
        if pattern.search(line):
            return number
    raise AssertionError(f"{query.symbol} is not defined in {query.path}")
