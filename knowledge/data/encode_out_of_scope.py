"""Writes out_of_scope.npz: the vectors of out_of_scope.json's questions, so calibrating a workspace's bar
never waits for 280 encodings. Run it after changing the list: `.venv/bin/python knowledge/data/encode_out_of_scope.py`
(knowledge/tests/test_data.py fails while the two disagree)."""

import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from knowledge.embeddings import OfflineEncoder  # noqa: E402


def main() -> None:
    texts = [
        t for questions in json.loads((HERE / "out_of_scope.json").read_text())["questions"].values() for t in questions
    ]
    np.savez_compressed(HERE / "out_of_scope.npz", texts=np.array(texts), vectors=OfflineEncoder().encode(texts))
    print(f"wrote {len(texts)} vectors")


if __name__ == "__main__":
    main()
