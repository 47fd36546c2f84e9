"""Offline intelligibility: pocketsphinx (ships an en-us acoustic model) and word error rate.

One implementation for the tests and the evaluation report, so a WER quoted in the README is the
same number a test asserts on. Pocketsphinx is a weak recogniser by today's standards: its WER is
an upper bound on how unintelligible a voice is, useful for comparing voices and backends, not as an
absolute figure.
"""

from __future__ import annotations

import re

import numpy as np

from ..analysis import resample

ASR_SAMPLE_RATE = 16_000


def transcribe(wav: np.ndarray, sr: int) -> str:
    """Best hypothesis of pocketsphinx's default US-English model; "" if it hears nothing."""
    from pocketsphinx import Decoder

    y = np.clip(resample(wav, sr, ASR_SAMPLE_RATE), -1, 1)
    decoder = Decoder(samprate=ASR_SAMPLE_RATE, loglevel="FATAL")
    decoder.start_utt()
    decoder.process_raw((y * 32767).astype(np.int16).tobytes(), full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return hyp.hypstr if hyp is not None else ""


def words(text: str) -> list[str]:
    """Lower-case word tokens; punctuation is not something a recogniser can be wrong about."""
    return re.findall(r"[a-z']+", text.lower())


def word_errors(reference: str, hypothesis: str) -> tuple[int, int]:
    """(substitutions + deletions + insertions, reference words): summable across utterances."""
    ref, hyp = words(reference), words(hypothesis)
    d = np.arange(len(hyp) + 1)
    for i, r in enumerate(ref, 1):
        prev, d[0] = d.copy(), i
        for j, h in enumerate(hyp, 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (r != h))
    return int(d[len(hyp)]), len(ref)


def wer(reference: str, hypothesis: str) -> float:
    errors, n = word_errors(reference, hypothesis)
    return float(errors) / max(n, 1)
