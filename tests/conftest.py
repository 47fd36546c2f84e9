"""Shared fixtures: the real embedded pipeline is loaded once per test session (it takes seconds)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("GLOG_minloglevel", "2")

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def pipeline():
    from face2voice import Face2Voice

    f2v = Face2Voice.load()
    yield f2v
    f2v.close()


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return EXAMPLES
