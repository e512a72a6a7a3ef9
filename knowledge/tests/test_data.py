"""The committed evaluation set and the shipped out-of-scope list stay well-formed (their own checkers)."""

import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("checker", ["bench/knowledge_eval/check_eval.py", "knowledge/data/check_out_of_scope.py"])
def test_the_data_passes_its_checker(checker, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    try:
        runpy.run_path(str(ROOT / checker), run_name="__main__")
    except SystemExit as done:
        assert done.code in (0, None), capsys.readouterr().out
