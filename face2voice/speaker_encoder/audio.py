"""GE2E audio front end: the exact signal chain the pretrained encoder was trained on.

The encoder weights only mean something for inputs prepared the way RTVC prepared its training
data (16 kHz, -30 dBFS, long silences cut by webrtcvad, 40-band *power* mel).  Every choice here
therefore follows RTVC ``encoder/audio.py`` (librosa 0.9.2) rather than what a modern librosa
would do by default; deviations are marked and only affect inputs RTVC would have crashed on.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import librosa
import numpy as np
from scipy.ndimage import binary_dilation

from ..errors import AudioError

_INT16_MAX = 2**15 - 1


@dataclass(frozen=True)
class AudioParams:
    """RTVC ``encoder/params_data.py``; frozen because the weights are tied to these values."""

    sample_rate: int = 16_000
    n_fft: int = 400  # 25 ms window
    hop_length: int = 160  # 10 ms step
    n_mels: int = 40
    partial_frames: int = 160  # 1.6 s per partial utterance
    vad_window_ms: int = 30  # webrtcvad accepts only 10/20/30 ms frames
    vad_moving_average_width: int = 8
    vad_max_silence: int = 6  # windows of silence kept around voiced regions
    vad_mode: int = 3  # most aggressive
    target_dbfs: float = -30.0
    # librosa >= 0.10 defaults to soxr; RTVC (librosa 0.9.2) used resampy 'kaiser_best', which is not
    # installed here.  soxr_hq is a high-quality band-limited resampler, so embeddings are unaffected
    # in practice; resampling is not part of the parity fixtures.
    resample_type: str = "soxr_hq"

    @property
    def vad_window_samples(self) -> int:
        return self.vad_window_ms * self.sample_rate // 1000


DEFAULT_PARAMS = AudioParams()


def wav_to_mel_frames(wav: np.ndarray, params: AudioParams = DEFAULT_PARAMS) -> np.ndarray:
    """(frames, n_mels) float32 power mel, as the encoder consumes it (no log, no normalisation).

    ``pad_mode='constant'`` is passed explicitly: it is what librosa 0.9.2 (RTVC's pin) did for a
    centred STFT, and newer librosa releases changed/may change the default.  Keyword arguments
    throughout because librosa >= 0.10 made them mandatory.
    """
    wav = np.asarray(wav, dtype=np.float32)
    mel = librosa.feature.melspectrogram(
        y=wav,
        sr=params.sample_rate,
        n_fft=params.n_fft,
        hop_length=params.hop_length,
        win_length=params.n_fft,
        window="hann",
        center=True,
        pad_mode="constant",
        power=2.0,
        n_mels=params.n_mels,
        htk=False,
        norm="slaney",
    )
    return mel.astype(np.float32).T


def normalize_volume(
    wav: np.ndarray, target_dbfs: float, *, increase_only: bool = False, decrease_only: bool = False
) -> np.ndarray:
    """Scale to ``target_dbfs`` mean power (10·log10 mean(x²)), RTVC's loudness convention.

    The arithmetic is written exactly as RTVC's so float32 input stays float32 and the result is
    bit-identical.  Deviation: an all-zero signal is returned unchanged instead of becoming NaN.
    """
    if increase_only and decrease_only:
        raise ValueError("increase_only and decrease_only are mutually exclusive")
    if len(wav) == 0:
        return wav
    power = np.mean(wav**2)
    if not power > 0:
        return wav
    change = target_dbfs - 10 * np.log10(power)
    if (change < 0 and increase_only) or (change > 0 and decrease_only):
        return wav
    return wav * (10 ** (change / 20))


def _moving_average(values: np.ndarray, width: int) -> np.ndarray:
    """Centred box average with zero padding (RTVC's cumsum formulation, same rounding behaviour)."""
    padded = np.concatenate((np.zeros((width - 1) // 2), values, np.zeros(width // 2)))
    acc = np.cumsum(padded, dtype=float)
    acc[width:] = acc[width:] - acc[:-width]
    return acc[width - 1 :] / width


def trim_long_silences(wav: np.ndarray, params: AudioParams = DEFAULT_PARAMS) -> np.ndarray:
    """Drop silences longer than ``vad_max_silence`` windows, keeping short pauses for prosody.

    The encoder was trained on VAD-trimmed utterances, so long pauses would dilute the partial
    embeddings.  Steps (RTVC): truncate to whole 30 ms windows, quantise to int16, webrtcvad each
    window, smooth the flags (moving average, then round half-to-even), dilate, expand to samples.
    Deviation: int16 quantisation clips instead of wrapping around for |x| > 1.
    """
    with warnings.catch_warnings():  # lazy: webrtcvad 2.0.10 imports pkg_resources, which warns
        warnings.simplefilter("ignore")
        import webrtcvad

    window = params.vad_window_samples
    wav = wav[: len(wav) - (len(wav) % window)]
    if len(wav) == 0:
        return wav
    pcm = np.clip(np.round(wav * _INT16_MAX), -(2**15), _INT16_MAX).astype("<i2").tobytes()
    vad = webrtcvad.Vad(params.vad_mode)
    flags = np.array(
        [
            vad.is_speech(pcm[start * 2 : (start + window) * 2], sample_rate=params.sample_rate)
            for start in range(0, len(wav), window)
        ]
    )
    mask = np.round(_moving_average(flags, params.vad_moving_average_width)).astype(bool)
    mask = binary_dilation(mask, np.ones(params.vad_max_silence + 1))
    return wav[np.repeat(mask, window)]


def load_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """Mono float32 samples at the file's own rate; unreadable files become :class:`AudioError`."""
    path = Path(path)
    if not path.is_file():
        raise AudioError(f"{path}: audio file not found.")
    try:
        with warnings.catch_warnings():  # librosa's audioread fallback warns about its own deprecation
            warnings.simplefilter("ignore")
            wav, sr = librosa.load(str(path), sr=None, mono=True)
    except Exception as exc:  # soundfile/audioread raise many unrelated types
        raise AudioError(f"{path}: could not read this audio file ({type(exc).__name__}: {exc}).") from exc
    return wav, int(sr)


def preprocess_wav(
    wav: np.ndarray | str | Path,
    source_sr: int | None = None,
    *,
    normalize: bool = True,
    trim_silence: bool = True,
    params: AudioParams = DEFAULT_PARAMS,
) -> np.ndarray:
    """Resample to 16 kHz, raise (never lower) the level to -30 dBFS, cut long silences.

    This is RTVC's ``preprocess_wav``: an array without ``source_sr`` is assumed to be 16 kHz
    already.  If webrtcvad cannot be imported the trimming is skipped with a warning (as RTVC
    does silently), because a slightly different embedding beats no embedding at all.
    """
    if isinstance(wav, (str, Path)):
        wav, source_sr = load_audio(wav)
    wav = np.asarray(wav, dtype=np.float32)
    if source_sr is not None and source_sr != params.sample_rate:
        wav = librosa.resample(
            wav, orig_sr=source_sr, target_sr=params.sample_rate, res_type=params.resample_type
        ).astype(np.float32)
    if normalize:
        wav = normalize_volume(wav, params.target_dbfs, increase_only=True)
    if trim_silence:
        try:
            wav = trim_long_silences(wav, params)
        except ImportError:
            warnings.warn("webrtcvad is not installed: long silences are not trimmed", RuntimeWarning, stacklevel=2)
    return wav
