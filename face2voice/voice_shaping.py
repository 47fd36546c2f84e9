"""Age shaping of a finished waveform: pitch, formants and tempo via Praat's "Change gender".

Kokoro has no child or elderly voices, and its style space does not encode age reliably, so age
is applied as signal processing on top. Praat's PSOLA-based "Change gender" moves F0 and
formants independently (a child is higher in both; an elderly voice is mostly F0 and tempo) and is
deterministic once Praat's random generator is seeded (its PSOLA draws random numbers for
unvoiced stretches). That generator is process-global, so calls are serialised by a lock.
"""

from __future__ import annotations

import threading

import numpy as np

from .voice_design import AgeShaping

_PRAAT_LOCK = threading.Lock()  # guards Praat's global random generator, not a model


def apply_shaping(
    wav: np.ndarray, sr: int, shaping: AgeShaping, seed: int = 0, duration: float = 1.0,
    min_pitch: float = 60.0, max_pitch: float = 600.0,
) -> np.ndarray:
    """Return ``wav`` with F0 x pitch, formants x formant and length x ``duration``.

    Kokoro takes the speaking rate as an input, so it passes ``duration=1``; Tacotron has no rate
    input, so its rate is applied here.
    """
    if abs(shaping.pitch - 1) < 1e-3 and abs(shaping.formant - 1) < 1e-3 and abs(duration - 1) < 1e-3:
        return wav
    import parselmouth
    from parselmouth.praat import call

    sound = parselmouth.Sound(np.asarray(wav, dtype=np.float64), sampling_frequency=sr)
    pitch = call(sound, "To Pitch", 0.0, min_pitch, max_pitch)
    median = call(pitch, "Get quantile", 0, 0, 0.5, "Hertz")
    if not np.isfinite(median) or median <= 0:
        return wav  # nothing voiced to shift
    new_median = float(np.clip(median * shaping.pitch, min_pitch, max_pitch))
    with _PRAAT_LOCK:
        parselmouth.praat.run(f"random_initializeWithSeedUnsafelyButPredictably ({int(seed) % 2**31})")
        out = call(sound, "Change gender", min_pitch, max_pitch, float(shaping.formant), new_median, 1.0, float(duration))
    y = np.asarray(out.values[0], dtype=np.float32)
    peak = float(np.max(np.abs(y))) if y.size else 0.0
    return y * (0.97 / peak) if peak > 0.97 else y
