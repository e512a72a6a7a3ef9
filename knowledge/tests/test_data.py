"""The committed evaluation set and the shipped out-of-scope list stay well-formed (their own checkers)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("checker", ["bench/knowledge_eval/check_eval.py", "knowledge/data/check_out_of_scope.py"])
def test_the_data_passes_its_checker(checker):
    if not (ROOT / checker).exists():
        pytest.fail(f"{checker} is missing")
    done = subprocess.run([sys.executable, checker], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
