"""Vocoders: synthesizer mel (80, T) in [-4, 4] -> 16 kHz waveform.

One interface, two implementations, so the pipeline does not care which one the user has:
:class:`WaveRNNVocoder` needs RTVC's ``vocoder.pt`` and sounds right; :class:`GriffinLimVocoder`
needs no weights (for users without the checkpoint) and is fast but buzzy.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np
import torch

from ..checkpoints import extract_state_dict, load_into, read_checkpoint
from ..errors import CheckpointError
from .wavernn import SamplingMode, WaveRNN, WaveRNNConfig

MEL_MAX_ABS = 4.0
"""The synthesizer emits symmetric [-4, 4] mels; WaveRNN was trained on them divided by this."""

VOCODER_WHAT = "RTVC WaveRNN vocoder checkpoint {'model_state', 'optimizer_state'} (vocoder.pt)"


@runtime_checkable
class Vocoder(Protocol):
    sample_rate: int

    def infer(self, mel: np.ndarray, seed: int | None = None) -> np.ndarray:
        """Float32 waveform at ``sample_rate`` for a synthesizer mel (80, T) in [-4, 4]."""
        ...


@dataclass(frozen=True)
class WaveRNNSettings:
    """Generation settings of RTVC ``infer_waveform``: 8000-sample folds, 800 overlap, batched."""

    target: int = 8000
    overlap: int = 800
    batched: bool = True
    mode: SamplingMode = "fast"


class WaveRNNVocoder:
    sample_rate = 16000

    def __init__(self, model: WaveRNN, settings: WaveRNNSettings = WaveRNNSettings()):
        self.model = model.eval()
        self.settings = settings
        self.sample_rate = model.cfg.sample_rate

    @classmethod
    def load(cls, path: str | Path, settings: WaveRNNSettings = WaveRNNSettings(),
             config: WaveRNNConfig = WaveRNNConfig()) -> WaveRNNVocoder:
        """Strict, key-for-key load of ``vocoder.pt`` (``{'model_state', ...}`` or a bare state dict)."""
        obj = read_checkpoint(path, what=VOCODER_WHAT)
        state = extract_state_dict(obj, path=path, what=VOCODER_WHAT, container_keys=("model_state",))
        model = WaveRNN(config)
        load_into(model, state, path=path, what=VOCODER_WHAT)
        _check_finite(model, path)
        return cls(model, settings)

    def infer(self, mel: np.ndarray, seed: int | None = None,
              progress=None) -> np.ndarray:
        mel = _check_mel(mel, self.model.cfg.feat_dims)
        generator = None if seed is None else torch.Generator().manual_seed(int(seed))
        s = self.settings
        wav = self.model.generate(
            torch.from_numpy(mel / MEL_MAX_ABS), target=s.target, overlap=s.overlap, batched=s.batched,
            mode=s.mode, generator=generator, progress=progress,
        )
        return wav.astype(np.float32)


class GriffinLimVocoder:
    """The synthesizer's own Griffin-Lim inversion (60 iterations), the original's no-vocoder path."""

    sample_rate = 16000

    def infer(self, mel: np.ndarray, seed: int | None = None) -> np.ndarray:
        from . import audio

        mel = _check_mel(mel, 80)
        rng = np.random.RandomState(seed) if seed is not None else np.random.default_rng()
        return np.asarray(audio.inv_mel_spectrogram(mel, rng=rng), dtype=np.float32)


def _check_mel(mel: np.ndarray, n_mels: int) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float32)
    if mel.ndim != 2 or mel.shape[0] != n_mels or mel.shape[1] < 2:
        raise ValueError(f"expected a mel spectrogram of shape ({n_mels}, T>=2), got {mel.shape}")
    if not np.isfinite(mel).all():
        raise ValueError("mel spectrogram contains NaN or infinite values")
    return mel


def _check_finite(model: torch.nn.Module, path: str | Path) -> None:
    for key, value in model.state_dict().items():
        if value.is_floating_point() and not torch.isfinite(value).all():
            raise CheckpointError(f"{path}: tensor '{key}' contains NaN or infinite values (corrupt {VOCODER_WHAT}).")
