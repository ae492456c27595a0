"""Work run side by side on threads of its own keeps the caller's context: a job's log lines
(faster-whisper's among them) carry its ids whichever thread writes them."""

from __future__ import annotations

import contextvars

from mediasift.models.side_by_side import in_order

JOB = contextvars.ContextVar("job", default=None)


def test_each_call_runs_in_the_callers_context_in_order() -> None:
    JOB.set("01JOB")
    got = list(in_order(iter(range(6)), lambda n: (n, JOB.get()), workers=3))
    assert got == [(n, (n, "01JOB")) for n in range(6)]
