"""Measurements of produced audio: SV2TTS mel spectrogram, pitch, and how well a voice matches a target.

"Voice match" is the cosine between the target speaker embedding and the GE2E embedding of the
audio we actually produced, the same check SV2TTS papers use for speaker similarity.
"""

from __future__ import annotations

import numpy as np


def resample(wav: np.ndarray, sr: int, target_sr: int) -> np.ndarray:
    import librosa

    if sr == target_sr:
        return np.asarray(wav, dtype=np.float32)
    return librosa.resample(np.asarray(wav, dtype=np.float32), orig_sr=sr, target_sr=target_sr, res_type="soxr_hq").astype(np.float32)


def median_f0(wav: np.ndarray, sr: int, fmin: float = 60.0, fmax: float = 600.0) -> float:
    """Median F0 over voiced frames (pYIN); NaN if nothing is voiced."""
    import librosa

    y = resample(wav, sr, 16_000)
    f0, voiced, _ = librosa.pyin(y, fmin=fmin, fmax=fmax, sr=16_000, frame_length=1024, hop_length=256)
    f0 = f0[voiced & np.isfinite(f0)]
    return float(np.median(f0)) if f0.size else float("nan")


def sv2tts_mel(wav: np.ndarray, sr: int) -> np.ndarray:
    """(80, T) mel in the SV2TTS synthesizer's convention (16 kHz, hop 12.5 ms, [-4, 4])."""
    from .sv2tts.audio import melspectrogram

    return np.asarray(melspectrogram(resample(wav, sr, 16_000)), dtype=np.float32)


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    denom = float(np.linalg.norm(a) * np.linalg.norm(b))
    return float(a @ b / denom) if denom > 0 else 0.0
