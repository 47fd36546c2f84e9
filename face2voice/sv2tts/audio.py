"""The synthesizer's signal chain: waveform <-> normalised log-mel, and Griffin-Lim inversion.

This defines the mel space the pretrained Tacotron emits and WaveRNN consumes, so it follows the
original (RTVC ``synthesizer/audio.py`` on librosa 0.9.2) numerically: pre-emphasis, a centred STFT
with **zero** padding (librosa 0.10 changed the default pad mode to reflect, hence the explicit
``pad_mode``), slaney mel filters, 20*log10 with a -100 dB floor, and symmetric [-4, 4] scaling.
Randomness (Griffin-Lim's initial phases) comes from an explicit generator argument, never from
numpy's global state, so callers can reproduce results without side effects.
"""

from __future__ import annotations

from functools import lru_cache

import librosa
import numpy as np
from scipy import signal

from .hparams import SignalParams

DEFAULT = SignalParams()
Rng = np.random.Generator | np.random.RandomState


def preemphasis(wav: np.ndarray, params: SignalParams = DEFAULT) -> np.ndarray:
    """FIR high-pass ``y[n] = x[n] - k x[n-1]``: training mels were computed on the emphasised signal."""
    if not params.preemphasize:
        return wav
    return signal.lfilter([1.0, -params.preemphasis], [1.0], wav)


def inv_preemphasis(wav: np.ndarray, params: SignalParams = DEFAULT) -> np.ndarray:
    """IIR inverse of :func:`preemphasis`."""
    if not params.preemphasize:
        return wav
    return signal.lfilter([1.0], [1.0, -params.preemphasis], wav)


@lru_cache(maxsize=4)
def mel_basis(params: SignalParams = DEFAULT) -> np.ndarray:
    """Slaney-normalised mel filterbank (num_mels, n_fft//2+1), float32 like librosa's default."""
    basis = librosa.filters.mel(
        sr=params.sample_rate, n_fft=params.n_fft, n_mels=params.num_mels,
        fmin=params.fmin, fmax=params.fmax, htk=False, norm="slaney",
    )
    basis.flags.writeable = False  # cached and shared
    return basis


@lru_cache(maxsize=4)
def _inv_mel_basis(params: SignalParams) -> np.ndarray:
    inv = np.linalg.pinv(mel_basis(params))
    inv.flags.writeable = False
    return inv


@lru_cache(maxsize=4)
def _window(params: SignalParams) -> np.ndarray:
    win = signal.get_window("hann", params.win_size, fftbins=True)
    if params.win_size < params.n_fft:  # centre the window in the FFT frame, as librosa does
        lpad = (params.n_fft - params.win_size) // 2
        win = np.pad(win, (lpad, params.n_fft - params.win_size - lpad))
    win.flags.writeable = False
    return win


def _overlap_add(frames: np.ndarray, hop: int) -> np.ndarray:
    """Sum (n_frames, n_fft) frames at stride ``hop``, adding each sample's contributions in frame order.

    The fixed order (earliest frame first) reproduces librosa 0.9.2's frame-by-frame loop to the
    last bit while doing only n_fft/hop vectorised additions.
    """
    n_frames, n_fft = frames.shape
    if n_fft % hop:
        out = np.zeros(n_fft + hop * (n_frames - 1), dtype=frames.dtype)
        for i in range(n_frames):
            out[i * hop:i * hop + n_fft] += frames[i]
        return out
    k = n_fft // hop
    chunks = frames.reshape(n_frames, k, hop)
    blocks = np.zeros((n_frames + k - 1, hop), dtype=frames.dtype)
    for j in range(k - 1, -1, -1):  # frame m-j feeds block m with its chunk j; oldest frame first
        blocks[j:j + n_frames] += chunks[:, j]
    return blocks.reshape(-1)


def stft(y: np.ndarray, params: SignalParams = DEFAULT) -> np.ndarray:
    """Centred, zero-padded STFT (n_fft//2+1, 1 + len//hop), numerically librosa 0.9.2's.

    Written out (instead of calling librosa) because librosa >= 0.10 pads with reflection by
    default and reorders its float operations, which Griffin-Lim amplifies over 60 iterations.
    """
    n_fft, hop = params.n_fft, params.hop_size
    y = np.asarray(y)
    if y.dtype.kind != "f":
        y = y.astype(np.float64)
    padded = np.pad(y, n_fft // 2, mode="constant")
    if padded.shape[0] < n_fft:
        raise ValueError(f"signal of {y.shape[0]} samples is too short for n_fft={n_fft}")
    frames = np.lib.stride_tricks.sliding_window_view(padded, n_fft)[::hop]
    return np.fft.rfft(_window(params) * frames, axis=-1).T


def istft(spec: np.ndarray, params: SignalParams = DEFAULT) -> np.ndarray:
    """Inverse of :func:`stft` (windowed overlap-add, window-sum-square normalised, centre trimmed)."""
    n_fft, hop = params.n_fft, params.hop_size
    window = _window(params)
    frames = window * np.fft.irfft(spec.T, n=n_fft, axis=-1)
    y = _overlap_add(frames, hop)
    wss = _overlap_add(np.broadcast_to(window ** 2, frames.shape), hop)
    nonzero = wss > np.finfo(wss.dtype).tiny
    y[nonzero] /= wss[nonzero]
    return y[n_fft // 2: y.shape[0] - n_fft // 2]


def _amp_to_db(x: np.ndarray, params: SignalParams) -> np.ndarray:
    floor = np.exp(params.min_level_db / 20 * np.log(10))  # 1e-5 for -100 dB
    return 20 * np.log10(np.maximum(floor, x))


def _db_to_amp(x: np.ndarray) -> np.ndarray:
    return np.power(10.0, x * 0.05)


def _normalize(s: np.ndarray, params: SignalParams) -> np.ndarray:
    m = params.max_abs_value
    if params.symmetric_mels:
        out = (2 * m) * ((s - params.min_level_db) / (-params.min_level_db)) - m
        return np.clip(out, -m, m) if params.clip_mels else out
    out = m * ((s - params.min_level_db) / (-params.min_level_db))
    return np.clip(out, 0, m) if params.clip_mels else out


def _denormalize(d: np.ndarray, params: SignalParams) -> np.ndarray:
    m = params.max_abs_value
    if params.symmetric_mels:
        if params.clip_mels:
            d = np.clip(d, -m, m)
        return ((d + m) * -params.min_level_db / (2 * m)) + params.min_level_db
    if params.clip_mels:
        d = np.clip(d, 0, m)
    return (d * -params.min_level_db / m) + params.min_level_db


def linearspectrogram(wav: np.ndarray, params: SignalParams = DEFAULT) -> np.ndarray:
    """Normalised log-magnitude spectrogram (n_fft//2+1, 1 + len//hop)."""
    mag = np.abs(stft(preemphasis(wav, params), params))
    return _normalize(_amp_to_db(mag, params) - params.ref_level_db, params)


def melspectrogram(wav: np.ndarray, params: SignalParams = DEFAULT) -> np.ndarray:
    """Normalised log-mel spectrogram (num_mels, 1 + len//hop) in the Tacotron's target space."""
    mag = np.abs(stft(preemphasis(wav, params), params))
    mel = np.dot(mel_basis(params), mag)
    return _normalize(_amp_to_db(mel, params) - params.ref_level_db, params)


def mel_to_linear_magnitude(mel: np.ndarray, params: SignalParams = DEFAULT) -> np.ndarray:
    """Approximate linear magnitude from a normalised mel (pseudo-inverse filterbank, floored at 1e-10)."""
    amp = _db_to_amp(_denormalize(mel, params) + params.ref_level_db)
    return np.maximum(1e-10, np.dot(_inv_mel_basis(params), amp))


def griffin_lim(magnitude: np.ndarray, params: SignalParams = DEFAULT, rng: Rng | None = None) -> np.ndarray:
    """Phase reconstruction: random initial phases, then ``griffin_lim_iters`` stft/istft projections.

    ``rng`` supplies the U[0,1) phase draw (``rng.rand`` for a RandomState, ``rng.random`` for a
    Generator); ``RandomState(s)`` reproduces the original's ``np.random.seed(s)`` exactly.
    """
    rng = np.random.default_rng() if rng is None else rng
    if isinstance(rng, np.random.RandomState):
        u = rng.rand(*magnitude.shape)
    else:
        u = rng.random(magnitude.shape)
    angles = np.exp(2j * np.pi * u)
    mag = np.abs(magnitude).astype(np.complex128)
    y = istft(mag * angles, params)
    for _ in range(params.griffin_lim_iters):
        angles = np.exp(1j * np.angle(stft(y, params)))
        y = istft(mag * angles, params)
    return y


def inv_mel_spectrogram(mel: np.ndarray, params: SignalParams = DEFAULT, rng: Rng | None = None) -> np.ndarray:
    """Waveform from a normalised mel via Griffin-Lim: the fast, vocoder-free (and lower quality) path."""
    linear = mel_to_linear_magnitude(mel, params)
    return inv_preemphasis(griffin_lim(linear ** params.power, params, rng), params)
