"""Loadable GE2E speaker encoder: checkpoint handling plus RTVC's utterance-embedding recipe.

An instance owns one network in eval mode and nothing else mutable, so it can be shared between
threads (each call runs under ``torch.inference_mode``).  There is deliberately no module-level
model: callers decide when the 17 MB of weights are loaded and how many copies exist.
"""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..checkpoints import extract_state_dict, load_into, read_checkpoint
from ..errors import AudioError, CheckpointError, ModelAssetError
from .audio import DEFAULT_PARAMS, AudioParams, preprocess_wav, wav_to_mel_frames
from .model import GE2ENet, ModelParams

CHECKPOINT_WHAT = "RTVC GE2E speaker encoder checkpoint {'step', 'model_state', 'optimizer_state'}"

# Resemblyzer 0.1.4 ships RTVC's pretrained encoder (step 1,564,501) as ``pretrained.pt``
# (Apache-2.0).  The hash pins exactly that file so a modified install is reported, not used.
RESEMBLYZER_WEIGHTS = "pretrained.pt"
RESEMBLYZER_SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"


@dataclass(frozen=True)
class SpeechLimits:
    """What :meth:`SpeakerEncoder.embed_speech` accepts as a usable voice sample.

    A GE2E embedding from well under a second of voiced audio is dominated by the phonetic content
    rather than the speaker, so short clips are refused with a message instead of silently giving
    a poor voice.
    """

    min_speech_seconds: float = 0.5  # voiced audio left after silence trimming
    silence_peak: float = 1e-4  # peak |x| below this (about -80 dBFS) counts as silence


def default_weights_path() -> Path:
    """Path of Resemblyzer's bundled ``pretrained.pt``, found without importing Resemblyzer.

    ``find_spec`` on a top-level package locates it without executing its ``__init__`` (which
    imports librosa, webrtcvad and builds a model on import).
    """
    try:
        spec = importlib.util.find_spec("resemblyzer")
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        candidate = Path(location) / RESEMBLYZER_WEIGHTS
        if candidate.is_file():
            return candidate
    raise ModelAssetError(
        "The default speaker-encoder weights come from the 'resemblyzer' package, which is not "
        "installed (or has no pretrained.pt). Install it with: pip install resemblyzer==0.1.4"
    )


def _verify_bundled_weights(path: Path) -> None:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != RESEMBLYZER_SHA256:
        raise ModelAssetError(
            f"{path}: the bundled GE2E weights are not the expected file (sha256 {digest[:12]}…, "
            f"expected {RESEMBLYZER_SHA256[:12]}…). Reinstall with: pip install --force-reinstall resemblyzer==0.1.4"
        )


def compute_partial_slices(
    n_samples: int,
    *,
    partial_frames: int | None = None,
    overlap: float = 0.5,
    rate: float | None = None,
    min_pad_coverage: float = 0.75,
    params: AudioParams = DEFAULT_PARAMS,
) -> tuple[list[slice], list[slice]]:
    """Windows of ``partial_frames`` mel frames over an utterance of ``n_samples``, RTVC style.

    The encoder was trained on fixed 1.6 s partials, so long utterances are cut into overlapping
    partials whose embeddings are averaged.  The last window may run past the end (the caller
    zero-pads); it is dropped if less than ``min_pad_coverage`` of it is real audio, unless it is
    the only one.  ``rate`` (partials per second, Resemblyzer's parameterisation) overrides
    ``overlap`` when given.
    """
    if n_samples < 0:
        raise ValueError("n_samples must be >= 0")
    if not 0 <= min_pad_coverage <= 1:
        raise ValueError("min_pad_coverage must be in [0, 1]")
    partial_frames = partial_frames or params.partial_frames
    hop = params.hop_length
    n_frames = int(np.ceil((n_samples + 1) / hop))
    if rate is not None:
        if rate <= 0:
            raise ValueError("rate must be > 0")
        frame_step = int(np.round((params.sample_rate / rate) / hop))
        if not 0 < frame_step <= partial_frames:
            raise ValueError(f"rate {rate} gives a step of {frame_step} frames; it must be in 1..{partial_frames}")
    else:
        if not 0 <= overlap < 1:
            raise ValueError("overlap must be in [0, 1)")
        frame_step = max(int(np.round(partial_frames * (1 - overlap))), 1)

    mel_slices = [
        slice(start, start + partial_frames)
        for start in range(0, max(1, n_frames - partial_frames + frame_step + 1), frame_step)
    ]
    wav_slices = [slice(s.start * hop, s.stop * hop) for s in mel_slices]
    last = wav_slices[-1]
    coverage = (n_samples - last.start) / (last.stop - last.start)
    if coverage < min_pad_coverage and len(mel_slices) > 1:
        mel_slices, wav_slices = mel_slices[:-1], wav_slices[:-1]
    return wav_slices, mel_slices


class SpeakerEncoder:
    """GE2E d-vector encoder: 16 kHz speech -> 256-d non-negative unit vector."""

    def __init__(
        self,
        net: GE2ENet,
        *,
        step: int | None = None,
        source: str = "",
        device: str | torch.device = "cpu",
        audio_params: AudioParams = DEFAULT_PARAMS,
        limits: SpeechLimits = SpeechLimits(),
    ):
        self._device = torch.device(device)
        self._net = net.to(self._device).eval()
        for p in self._net.parameters():
            p.requires_grad_(False)
        self.step = step
        self.source = source
        self.audio_params = audio_params
        self.limits = limits

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(
        cls, path: str | Path | None = None, *, device: str | torch.device = "cpu",
        model_params: ModelParams = ModelParams(),
    ) -> SpeakerEncoder:
        """Load RTVC ``encoder.pt`` from ``path``, or Resemblyzer's bundled weights when ``None``.

        Every failure (missing, truncated, not a checkpoint, other architecture) becomes a
        :class:`CheckpointError` naming the file and the first bad key; a missing or altered
        bundled file is a :class:`ModelAssetError` (a broken install, not a user mistake).
        """
        if path is None:
            path = default_weights_path()
            _verify_bundled_weights(path)
        path = Path(path)
        obj = read_checkpoint(path, what=CHECKPOINT_WHAT)
        state = extract_state_dict(obj, path=path, what=CHECKPOINT_WHAT, container_keys=("model_state",))
        net = GE2ENet(model_params)
        load_into(net, state, path=path, what=CHECKPOINT_WHAT)
        for key, value in net.state_dict().items():
            if value.is_floating_point() and not torch.isfinite(value).all():
                raise CheckpointError(f"{path}: key '{key}' contains NaN or infinite values ({CHECKPOINT_WHAT}).")
        return cls(net, step=_read_step(obj), source=str(path), device=device)

    # ------------------------------------------------------------------ properties
    @property
    def net(self) -> GE2ENet:
        """The underlying network (eval mode, frozen); exposed for inspection and tests."""
        return self._net

    @property
    def device(self) -> torch.device:
        return self._device

    @property
    def sample_rate(self) -> int:
        return self.audio_params.sample_rate

    @property
    def embedding_size(self) -> int:
        return self._net.params.embedding_size

    # ------------------------------------------------------------------ inference
    def embed_frames_batch(self, frames: np.ndarray) -> np.ndarray:
        """(batch, n_frames, n_mels) power mel -> (batch, embedding_size) float32 embeddings."""
        frames = np.asarray(frames, dtype=np.float32)
        if frames.ndim != 3 or frames.shape[2] != self._net.params.n_mels or frames.shape[1] == 0:
            raise ValueError(f"expected (batch, frames>0, {self._net.params.n_mels}) mel frames, got {frames.shape}")
        with torch.inference_mode():
            out = self._net(torch.from_numpy(frames).to(self._device))
        return out.cpu().numpy()

    def embed_utterance(
        self,
        wav: np.ndarray,
        using_partials: bool = True,
        return_partials: bool = False,
        *,
        rate: float | None = None,
        overlap: float = 0.5,
        min_pad_coverage: float = 0.75,
        partial_frames: int | None = None,
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray | None, list[slice] | None]:
        """Embedding of a *preprocessed* 16 kHz wav (see :func:`preprocess_wav`), as RTVC computes it.

        With partials (default) the wav is zero-padded to the last window, the mel is computed once,
        each window is embedded, and the mean is L2-normalised.  ``return_partials`` also returns
        the per-window embeddings and their sample ranges (``None`` without partials).
        """
        wav = np.asarray(wav, dtype=np.float32)
        if wav.ndim != 1:
            raise ValueError(f"expected a 1-D wav, got shape {wav.shape}")
        if not using_partials:
            frames = wav_to_mel_frames(wav, self.audio_params)
            embed = self.embed_frames_batch(frames[None, ...])[0]
            return (embed, None, None) if return_partials else embed

        wav_slices, mel_slices = compute_partial_slices(
            len(wav), partial_frames=partial_frames, overlap=overlap, rate=rate,
            min_pad_coverage=min_pad_coverage, params=self.audio_params,
        )
        needed = wav_slices[-1].stop
        if needed >= len(wav):
            wav = np.pad(wav, (0, needed - len(wav)), mode="constant")
        frames = wav_to_mel_frames(wav, self.audio_params)
        partial_embeds = self.embed_frames_batch(np.stack([frames[s] for s in mel_slices]))
        mean = np.mean(partial_embeds, axis=0)
        norm = np.linalg.norm(mean, 2)
        if not norm > 0:
            # Every partial was all-zero after the ReLU; RTVC would return NaNs here.
            raise AudioError("The voice sample gave no usable speaker information (all-zero embedding).")
        embed = mean / norm
        return (embed, partial_embeds, wav_slices) if return_partials else embed

    def embed_speech(self, wav: np.ndarray, sr: int) -> np.ndarray:
        """One-call voice embedding for user audio at any rate: validate, preprocess, embed.

        User recordings arrive in every shape (int16, stereo, 44.1 kHz, silent microphone), so they
        are normalised to mono float32 first and each unusable case is an :class:`AudioError`
        whose message says what to do.
        """
        wav = _to_mono_float(wav)
        if not isinstance(sr, (int, np.integer)) or sr <= 0:
            raise AudioError(f"Invalid sample rate {sr!r}; expected a positive integer such as 16000.")
        if wav.size == 0:
            raise AudioError("The voice recording is empty. Record or upload a few seconds of speech.")
        if not np.all(np.isfinite(wav)):
            raise AudioError("The voice recording contains invalid samples (NaN or infinity).")
        if float(np.max(np.abs(wav))) < self.limits.silence_peak:
            raise AudioError("The voice recording is silent. Check the microphone and record a few seconds of speech.")
        processed = preprocess_wav(wav, source_sr=int(sr), params=self.audio_params)
        voiced = len(processed) / self.sample_rate
        if voiced < self.limits.min_speech_seconds:
            found = "No speech was found" if len(processed) == 0 else f"Only {voiced:.2f} s of speech was found"
            raise AudioError(
                f"{found} in the voice recording after removing silence; at least "
                f"{self.limits.min_speech_seconds:g} s is needed. Record a few seconds of clear speech."
            )
        return np.asarray(self.embed_utterance(processed), dtype=np.float32)


def _read_step(obj: object) -> int | None:
    step = obj.get("step") if isinstance(obj, Mapping) else None
    if isinstance(step, torch.Tensor) and step.numel() == 1:
        return int(step.item())
    return int(step) if isinstance(step, int) else None


def _to_mono_float(wav: np.ndarray) -> np.ndarray:
    """Float32 mono in [-1, 1] from the common PCM layouts (int16/int32/uint8, channels first or last)."""
    try:
        arr = np.asarray(wav)
    except Exception as exc:
        raise AudioError(f"The voice recording is not an array of samples ({type(wav).__name__}).") from exc
    if arr.dtype.kind == "i":
        arr = arr.astype(np.float32) / float(2 ** (8 * arr.dtype.itemsize - 1))
    elif arr.dtype.kind == "u":
        half = float(2 ** (8 * arr.dtype.itemsize - 1))
        arr = (arr.astype(np.float32) - half) / half
    elif arr.dtype.kind != "f":
        raise AudioError(f"The voice recording has unsupported sample type {arr.dtype}.")
    if arr.ndim == 2:
        channel_axis = 0 if arr.shape[0] < arr.shape[1] else 1
        arr = arr.mean(axis=channel_axis)
    elif arr.ndim != 1:
        raise AudioError(f"The voice recording has shape {arr.shape}; expected mono or (samples, channels).")
    return arr.astype(np.float32, copy=False)
