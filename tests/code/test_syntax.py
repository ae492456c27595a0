"""Source files cut by their syntax: every chunk is a definition (or the lines between them), with
the symbol, signature, docstring and line range a reader would give it, in every language."""

from __future__ import annotations

import itertools
import textwrap

import pytest

from mediasift.extract.code.syntax import CodeChunk, chunk_source, source_lines
from tests.code.queries import REPO


def _chunks(path: str, language: str) -> dict[str | None, CodeChunk]:
    """Each symbol's first chunk (a Rust struct comes before its impl of the same name)."""
    found: dict[str | None, CodeChunk] = {}
    for chunk in chunk_source((REPO / path).read_text(), language):
        if chunk.kind != "module":
            found.setdefault(chunk.symbol, chunk)
    return found


def _lines_of(path: str, chunk: CodeChunk) -> list[str]:
    return source_lines((REPO / path).read_text())[chunk.line_start - 1 : chunk.line_end]


def test_a_python_function_is_one_chunk_from_its_comments_and_decorators_to_its_last_line() -> None:
    text = textwrap.dedent(
        '''\
        import time


        # Wraps the call.
        @decorated
        def retry(job, attempts=3) -> bool:
            """Run ``job`` again.

            At most ``attempts`` times.
            """
            return True


        LIMIT = 3
        '''
    )
    chunks = chunk_source(text, "python")

    assert [(c.kind, c.symbol, c.line_start, c.line_end) for c in chunks] == [
        ("module", None, 1, 1),
        ("function", "retry", 4, 11),
        ("module", None, 14, 14),
    ]
    retry = chunks[1]
    assert retry.signature == "def retry(job, attempts=3) -> bool"
    assert retry.docstring == "Run ``job`` again.\n\nAt most ``attempts`` times."


def test_a_class_is_its_head_and_each_method_a_chunk_named_class_dot_method() -> None:
    chunks = chunk_source((REPO / "src/taskrunner/queue.py").read_text(), "python")
    kinds = {c.symbol: c.kind for c in chunks}

    assert kinds["JobQueue"] == "class" and kinds["JobQueue.lease"] == "method"
    head = next(c for c in chunks if c.symbol == "JobQueue")
    assert head.docstring == "Jobs waiting to run, ordered by when they may run."
    lease = next(c for c in chunks if c.symbol == "JobQueue.lease")
    assert _lines_of("src/taskrunner/queue.py", lease)[0].strip().startswith("def lease(")
    assert _lines_of("src/taskrunner/queue.py", lease)[-1].strip() == "return job"
    assert lease.docstring and lease.docstring.startswith("Hand the next due job to a worker")


def test_the_module_docstring_goes_with_the_module_lines() -> None:
    chunks = chunk_source((REPO / "src/taskrunner/retry.py").read_text(), "python")

    assert chunks[0].kind == "module" and chunks[0].line_start == 1
    assert chunks[0].docstring == "What happens to a job after it fails."


@pytest.mark.parametrize(
    ("path", "language", "symbol", "kind", "signature", "doc_start"),
    [
        (
            "web/dashboard.js",
            "javascript",
            "formatDuration",
            "function",
            "function formatDuration(ms)",
            "Format a",
        ),
        (
            "web/dashboard.js",
            "javascript",
            "PollingClient.poll",
            "method",
            "poll(onUpdate)",
            "Ask the server",
        ),
        ("web/types.ts", "typescript", "JobStatus", "interface", "interface JobStatus", None),
        (
            "web/types.ts",
            "typescript",
            "isTerminal",
            "function",
            "function isTerminal(state: JobState): boolean",
            "Whether",
        ),
        ("worker/main.go", "go", "Worker.Heartbeat", "method", None, "Heartbeat tells"),
        ("worker/main.go", "go", "gracefulShutdown", "function", None, "gracefulShutdown waits"),
        (
            "native/limits.rs",
            "rust",
            "RateLimiter.try_acquire",
            "method",
            "pub fn try_acquire(&mut self) -> bool",
            "Take one",
        ),
        ("native/limits.rs", "rust", "RateLimiter", "struct", "pub struct RateLimiter", "A token bucket"),
        (
            "native/ringbuffer.c",
            "c",
            "ring_push",
            "function",
            "void ring_push(struct ring *r, const char *line)",
            "Append",
        ),
        ("native/lru.cpp", "cpp", "LruCache.put", "method", None, "Store value"),
        (
            "java/org/taskrunner/Notifier.java",
            "java",
            "Notifier.notifyWebhook",
            "method",
            None,
            "POST the job",
        ),
        ("db/schema.sql", "sql", "jobs", "table", "CREATE TABLE jobs", "Every job"),
        ("db/schema.sql", "sql", "parked_jobs", "view", None, "Jobs that ran out"),
        ("scripts/backup.sh", "shell", "backup_database", "function", "backup_database()", "Dump the whole"),
    ],
)
def test_each_language_names_its_definitions_with_signature_and_documentation(
    path: str, language: str, symbol: str, kind: str, signature: str | None, doc_start: str | None
) -> None:
    chunk = _chunks(path, language)[symbol]

    assert chunk.kind == kind
    if signature is not None:
        assert chunk.signature == signature
    if doc_start is None:
        assert chunk.docstring is None
    else:
        assert chunk.docstring and chunk.docstring.startswith(doc_start), chunk.docstring
    lines = _lines_of(path, chunk)
    name = symbol.rsplit(".", 1)[-1]
    documentation = 0 if doc_start is None else chunk.docstring.count("\n") + 3  # /** and */ lines
    assert any(name in line for line in lines[: documentation + 2]), lines  # it starts at its docs


def test_go_methods_are_named_after_their_receiver_type() -> None:
    chunks = _chunks("worker/main.go", "go")

    assert "Worker.Heartbeat" in chunks and chunks["Worker"].kind == "type"


def test_a_function_longer_than_the_limit_is_split_into_overlapping_parts_that_keep_its_name() -> None:
    body = "\n".join(f"    total += {i}" for i in range(50))
    text = f'def add_up():\n    """Add the numbers."""\n    total = 0\n{body}\n    return total\n'

    parts = chunk_source(text, "python", max_lines=20)

    assert {p.symbol for p in parts} == {"add_up"}
    assert [p.part for p in parts] == list(range(1, len(parts) + 1)) and parts[0].parts == len(parts)
    assert parts[0].line_start == 1 and parts[-1].line_end == 54
    assert all(p.line_end - p.line_start + 1 <= 20 for p in parts)
    assert all(later.line_start <= earlier.line_end for earlier, later in itertools.pairwise(parts))


def test_code_that_does_not_parse_is_still_cut_and_kept() -> None:
    text = "def ok():\n    return 1\n\ndef broken(:\n    return (\n\nVALUE = 2\n"

    chunks = chunk_source(text, "python")

    assert any(c.symbol == "ok" for c in chunks)
    covered = {n for c in chunks for n in range(c.line_start, c.line_end + 1)}
    assert {1, 2, 4, 7} <= covered


def test_a_file_without_a_grammar_is_cut_into_windows_of_lines() -> None:
    text = "\n".join(f"key_{i} = {i}" for i in range(130))

    chunks = chunk_source(text, "toml", max_lines=60)

    assert (chunks[0].line_start, chunks[0].line_end) == (1, 60)
    assert chunks[-1].line_end == 130 and {c.kind for c in chunks} == {"module"}


def test_blank_lines_and_closing_braces_alone_make_no_chunk() -> None:
    text = "function a() {\n  return 1;\n}\n\n\n}\n\n"

    chunks = chunk_source(text, "javascript")

    assert [(c.symbol, c.line_start, c.line_end) for c in chunks] == [("a", 1, 3)]


def test_code_nested_deeper_than_the_stack_is_chunked() -> None:
    # An expression 5,000 parentheses deep made the walk over its syntax tree a RecursionError
    # (an internal error, three attempts); the walk keeps its own stack now.
    deep = "x = " + "(" * 5_000 + "1" + ")" * 5_000 + "\n\ndef after():\n    return 2\n"
    assert [(c.symbol, c.line_start) for c in chunk_source(deep, "python") if c.kind == "function"] == [
        ("after", 3)
    ]

    # 300 classes nested one in the other: the first 64 are definitions of their own, the rest
    # stay in the innermost one's chunk, so the chunking's own walks over them stay shallow.
    nested = "".join(" " * i + f"class C{i}:\n" for i in range(300)) + " " * 300 + "x = 1\n"
    chunks = chunk_source(nested, "python")
    symbols = {c.symbol for c in chunks if c.kind == "class"}
    assert len(symbols) == 64 and "C0" in symbols
    innermost = max(symbols, key=len)
    assert innermost.endswith(".C62.C63") and max(c.line_end for c in chunks) == 301
