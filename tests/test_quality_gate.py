"""The extraction quality gate: the four development sets of ../shared/eval scored in one run.

Fails when a figure drops below its pinned value (bench/extraction_quality.py, QUALITY_FLOOR) by more
than its noise; the pins are raised in the same commit as each improvement. Skipped where the shared
eval sets are not on the machine (they are not part of the repository).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EVAL_DIR = Path(os.environ.get("DIPLOMATIC_EVAL_DIR", ROOT.parent / "shared" / "eval"))


def load_bench():
    spec = importlib.util.spec_from_file_location("extraction_quality", ROOT / "bench" / "extraction_quality.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not (EVAL_DIR / "scorer").is_dir(), reason="the shared eval sets are not on this machine")
def test_development_sets_hold_their_pinned_figures() -> None:
    bench = load_bench()
    figures, _, _ = bench.run(EVAL_DIR, ours_only=True)
    assert set(figures) == set(bench.SETS)
    assert bench.gate_failures(figures) == []


def test_gate_flags_a_drop_beyond_noise_and_only_that() -> None:
    bench = load_bench()
    pinned = bench.QUALITY_FLOOR["fundus-dev"]["title_exact"]
    within = {"fundus-dev": {bench.OURS: {**bench.QUALITY_FLOOR["fundus-dev"], "title_exact": pinned - 0.009}}}
    beyond = {"fundus-dev": {bench.OURS: {**bench.QUALITY_FLOOR["fundus-dev"], "title_exact": pinned - 0.02}}}
    assert bench.gate_failures(within) == []
    failures = bench.gate_failures(beyond)
    assert len(failures) == 1 and "title_exact" in failures[0]
