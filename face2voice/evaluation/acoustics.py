"""Voice features that move with age and gender, measured on the produced audio.

* median F0 (pYIN, via :func:`face2voice.analysis.median_f0`): the main acoustic cue to gender and,
  within a gender, to age (children high; elderly women lower, elderly men slightly higher);
* speaking rate as syllables of the *known* text per second of speech, pauses excluded, so the
  measure follows articulation tempo rather than how much silence a synthesizer pads around a
  sentence. Syllables are counted from the text with a vowel-group rule (exact enough for a
  ratio between voices speaking the same sentence, which is how it is used).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from ..analysis import median_f0

SILENCE_TOP_DB = 35.0  # frames this far below the peak count as pause


@dataclass(frozen=True)
class Acoustics:
    median_f0_hz: float  # NaN when nothing is voiced
    speech_seconds: float  # non-silent duration
    syllables: int
    speaking_rate_sps: float  # syllables per second of speech


def count_syllables(text: str) -> int:
    total = 0
    for word in re.findall(r"[a-z']+", text.lower()):
        groups = re.findall(r"[aeiouy]+", word)
        n = len(groups)
        if word.endswith("e") and not word.endswith(("le", "ee")) and n > 1:
            n -= 1  # silent final e: "slide", "these"
        total += max(n, 1)
    return total


def speech_seconds(wav: np.ndarray, sr: int, top_db: float = SILENCE_TOP_DB) -> float:
    import librosa

    y = np.asarray(wav, dtype=np.float32)
    if y.size == 0 or not np.any(y):
        return 0.0
    intervals = librosa.effects.split(y, top_db=top_db, frame_length=1024, hop_length=256)
    return float(sum(int(e) - int(s) for s, e in intervals)) / sr


def measure(wav: np.ndarray, sr: int, text: str) -> Acoustics:
    speech = speech_seconds(wav, sr)
    syll = count_syllables(text)
    return Acoustics(
        median_f0_hz=median_f0(wav, sr),
        speech_seconds=speech,
        syllables=syll,
        speaking_rate_sps=syll / speech if speech > 0 else float("nan"),
    )
