"""numpy's BLAS on one thread.

mediasift spends its cores as lanes (worker threads, side-by-side model runs), each running its
model on one thread; a BLAS that starts a thread team of its own inside a lane takes the core
another lane's model is using, and OpenBLAS's threads spin while they wait. The entity recogniser's
matrix products run in numpy's BLAS (``enrich/ner_models.py``): with OpenBLAS's default two threads
the text ingest path spent 2.4 CPU-s more than with the products in thinc's single-threaded BLIS,
and with one thread 1.5 CPU-s less (docs/benchmarks.md, "Enrichment").
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_limited = False


def one_thread() -> None:
    """Limit the BLAS libraries loaded in this process (OpenBLAS in numpy's wheels, MKL, BLIS) to
    one thread each, once. Process-wide: every numpy product after it runs on its caller's thread."""
    global _limited
    with _lock:
        if _limited:
            return
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")
        _limited = True
