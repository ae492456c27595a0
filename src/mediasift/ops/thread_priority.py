"""Ingest runs at a lower CPU priority than the API, so searches do not queue behind it for the cores.

On Linux a thread's niceness is its own (``setpriority`` on its native id) and every thread it
creates afterwards inherits it. A worker thread lowers its priority before it takes its first job,
so what it starts inherits the lower priority too: the OpenMP team of its text embeddings, its job
heartbeats, and the threads of the models it loads (CTranslate2 for speech, ONNX Runtime for OCR and
image vectors). API threads keep the default priority. With the cores busy, the kernel then runs a
search's work before ingest's; with them idle, ingest runs at full speed.

Lowering is one-way: an unprivileged process may not raise a thread's priority back. Elsewhere than
Linux, niceness belongs to the whole process (it would slow the API too), so nothing is changed.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

log = logging.getLogger("mediasift.thread_priority")

# Added to the worker's nice value for the work that runs beside speech recognition (a video's
# frame lane, quality's signal measures, loading the later stages' models): on few cores
# recognition, the ingest's longest part, gets them first, and the rest takes what it leaves.
BESIDE_SPEECH_NICENESS = 5


def lower_current_thread_priority(niceness: int) -> bool:
    """Add ``niceness`` (1-19) to the calling thread's nice value; False where that is not possible
    (not Linux, or refused), in which case the thread runs on at its current priority."""
    if niceness <= 0 or not sys.platform.startswith("linux"):
        return False
    thread_id = threading.get_native_id()
    try:
        current = os.getpriority(os.PRIO_PROCESS, thread_id)
        os.setpriority(os.PRIO_PROCESS, thread_id, min(19, current + niceness))
    except OSError as exc:
        log.warning("could not lower the priority of thread %s: %s", threading.current_thread().name, exc)
        return False
    return True


def current_thread_niceness() -> int:
    """The calling thread's nice value (0 where priorities are not available)."""
    if not sys.platform.startswith("linux"):
        return 0
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
