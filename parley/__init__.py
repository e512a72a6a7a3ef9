"""Parley. Imported before anything else of it, so the settings below reach numpy before it loads."""

import os

# The offline answering model (knowledge.embeddings) is fastest with one BLAS thread and two OpenMP threads:
# more BLAS threads fight over the cores and triple a query's latency at 5,000 entries.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "2")
