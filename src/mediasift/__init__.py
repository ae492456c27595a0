"""mediasift: find and ask about what is inside your media."""

import os

# NumPy's OpenBLAS starts a thread team for products as small as enrichment's (a 106 x 600 matrix
# by its transpose: 1.7 ms of wall with its threads, 0.1 ms on one), and the cores are the
# workers' and the models' already: every product mediasift computes is one media's or one
# search's, small. Read once, when NumPy loads OpenBLAS, so it is set before anything imports
# NumPy; a value the environment gives wins. One thread or several, a product gives the same bits.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
