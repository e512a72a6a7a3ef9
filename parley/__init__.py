"""Parley. Imported before anything else of it, so the settings below reach numpy before it loads."""

import os

# The offline answering model (knowledge.embeddings) runs best with one BLAS thread (more fight over the cores
# and triple a question's latency at 5,000 entries) and two OpenMP threads that spin only briefly before they
# sleep: with the default long spin, while the server's other threads keep a core busy, one encoding in twenty
# takes 150-250 ms instead of ~45 (bench/RESULTS.md, knowledge_quality).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "2")
os.environ.setdefault("GOMP_SPINCOUNT", "1000")
