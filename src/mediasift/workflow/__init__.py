"""Workflows: a collection's document of steps (``document.py``), the conditions of its ``when``
steps (``expression.py``) and the plan each media runs (``plan.py``). Pure: no I/O but reading the
packaged schema."""
