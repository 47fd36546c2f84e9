"""Shared fixtures: the real embedded pipeline is loaded once per test session (it takes seconds)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("GLOG_minloglevel", "2")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread():
    """Torch on one thread for the whole suite, as the fixtures were generated.

    The models' inner loops are thousands of tiny matmuls (Tacotron/WaveRNN steps, GE2E LSTM): on
    a 2-core machine shared with onnxruntime (Kokoro) or other jobs, extra intra-op threads only
    spin and make those loops many times slower.
    """
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def pipeline():
    from face2voice import Face2Voice

    f2v = Face2Voice.load()
    yield f2v
    f2v.close()


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES
