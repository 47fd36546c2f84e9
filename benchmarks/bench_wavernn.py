"""Seconds of CPU compute per second of audio for full-size WaveRNN: exact (straightforward) vs fast.

Weights are the fixtures' deterministic synthetic ones (speed does not depend on values). Run with
``.venv/bin/python benchmarks/bench_wavernn.py [--seconds 2.5] [--threads 1]``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from face2voice.sv2tts.wavernn import WaveRNN  # noqa: E402
from tests.detfill import detfill_state  # noqa: E402


def build_model() -> WaveRNN:
    model = WaveRNN()
    manifest = json.loads((ROOT / "tests/fixtures/manifest_vocoder.json").read_text())["state_dict"]
    assert list(model.state_dict()) == list(manifest)
    model.load_state_dict(detfill_state(model.state_dict()))
    return model.eval()


def time_mode(model: WaveRNN, mel: torch.Tensor, mode: str, repeats: int) -> tuple[float, int]:
    best = float("inf")
    n = 0
    for r in range(repeats):
        start = time.perf_counter()
        wav = model.generate(mel, target=8000, overlap=800, mode=mode, generator=torch.Generator().manual_seed(r))
        best = min(best, time.perf_counter() - start)
        n = len(wav)
    return best, n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=2.5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = build_model()
    frames = int(args.seconds * 16000 / 200) + 1
    mel = torch.from_numpy(np.random.RandomState(0).uniform(-1, 0.5, (80, frames)).astype(np.float32))
    folds = model.conditioning(mel, batched=True, target=8000, overlap=800).mels.shape[1]
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, mel {frames} frames, {folds} folds x 9600 steps, "
          f"oneDNN {'yes' if torch.backends.mkldnn.is_available() else 'no'}")
    results = {}
    for mode in ("exact", "fast"):
        secs, n = time_mode(model, mel, mode, args.repeats)
        results[mode] = secs / (n / 16000)
        print(f"{mode:5s}: {secs:6.2f} s for {n / 16000:.2f} s of audio -> {results[mode]:.2f} s per second of audio")
    print(f"speedup fast vs exact: {results['exact'] / results['fast']:.2f}x")


if __name__ == "__main__":
    main()
