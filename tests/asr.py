"""Offline intelligibility check: pocketsphinx (ships an en-us model) and word error rate."""

from __future__ import annotations

import re

import numpy as np

from face2voice.analysis import resample


def transcribe(wav: np.ndarray, sr: int) -> str:
    from pocketsphinx import Decoder

    y = np.clip(resample(wav, sr, 16_000), -1, 1)
    decoder = Decoder(samprate=16_000, loglevel="FATAL")
    decoder.start_utt()
    decoder.process_raw((y * 32767).astype(np.int16).tobytes(), full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return hyp.hypstr if hyp is not None else ""


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def wer(reference: str, hypothesis: str) -> float:
    ref, hyp = words(reference), words(hypothesis)
    d = np.arange(len(hyp) + 1)
    for i, r in enumerate(ref, 1):
        prev, d[0] = d.copy(), i
        for j, h in enumerate(hyp, 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (r != h))
    return float(d[len(hyp)]) / max(len(ref), 1)
