"""The committed evaluation set and the shipped out-of-scope list stay well-formed (their own checkers), and
the list's stored vectors stay those of its questions."""

import json
import runpy
from pathlib import Path

import numpy as np
import pytest

from knowledge.answering import OUT_OF_SCOPE, out_of_scope_vectors
from knowledge.embeddings import OfflineEncoder

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("checker", ["bench/knowledge_eval/check_eval.py", "knowledge/data/check_out_of_scope.py"])
def test_the_data_passes_its_checker(checker, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    try:
        runpy.run_path(str(ROOT / checker), run_name="__main__")
    except SystemExit as done:
        assert done.code in (0, None), capsys.readouterr().out


def test_the_shipped_vectors_are_those_of_the_shipped_questions():
    shipped = json.loads(OUT_OF_SCOPE.read_text())["questions"]
    vectors = out_of_scope_vectors()
    assert list(vectors) == [t for questions in shipped.values() for t in questions]  # run encode_out_of_scope.py
    sample = [shipped["en"][0], shipped["km"][3], shipped["ja"][5]]
    assert np.allclose(OfflineEncoder().encode(sample), [vectors[t] for t in sample], atol=2e-3)
