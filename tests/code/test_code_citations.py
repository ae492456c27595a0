"""A code source in an answer: labelled and cited as path:lines, quoted as what the code is."""

from __future__ import annotations

from mediasift.answer.base import label
from mediasift.answer.sentences import sentence_units
from mediasift.domain import EMBEDDED_CODE_CHARS, Hit, embedded_text, indexed_text

META = {
    "path": "src/taskrunner/retry.py",
    "line_start": 29,
    "line_end": 40,
    "symbol": "retry_failed_job",
    "symbol_kind": "function",
    "signature": "def retry_failed_job(job, queue, policy, error) -> bool",
    "docstring": "Put a job back on the queue to run again later.\n\nReturns False when out of attempts.",
    "search_header": "python function retry_failed_job (retry failed job)\ndef retry_failed_job(job)",
}


def _hit(meta: dict, filename: str = "taskrunner.tar.gz") -> Hit:
    return Hit(
        segment_id="s1", media_id="m1", filename=filename, kind="code", modality="code",
        text="def retry_failed_job(job, queue, policy, error):\n    job.attempts += 1", meta=meta,
    )  # fmt: skip


def test_a_code_source_is_labelled_by_its_path_and_lines() -> None:
    assert label(_hit(META)) == "src/taskrunner/retry.py:29-40 in taskrunner.tar.gz"
    assert label(_hit(META, filename="src/taskrunner/retry.py")) == "src/taskrunner/retry.py:29-40"


def test_a_code_source_is_one_unit_saying_what_the_code_is() -> None:
    (unit,) = sentence_units(_hit(META), 1)

    assert unit.text == (
        "function retry_failed_job (retry failed job): Put a job back on the queue to run again later."
    )


def test_lines_outside_any_definition_are_summed_up_by_their_path() -> None:
    meta = {
        "path": "src/app.py",
        "line_start": 1,
        "line_end": 3,
        "search_header": "python module\nin src/app.py",
    }

    (unit,) = sentence_units(_hit(meta), 1)

    assert unit.text.startswith("src/app.py: def retry_failed_job")


def test_code_is_embedded_as_its_header_and_first_characters_and_indexed_whole() -> None:
    long_code = "x = 1\n" * 1000

    assert indexed_text(long_code, META).endswith(long_code)
    assert len(embedded_text(long_code, META)) == EMBEDDED_CODE_CHARS
    assert embedded_text(long_code, {}) == long_code  # prose is embedded as it is
