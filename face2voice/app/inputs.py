"""Turning raw Gradio payloads into pipeline inputs, with the pipeline's own readable errors.

The app's events run with ``preprocess=False``: Gradio's image preprocessing opens every upload
with PIL *before* our handler runs, so a non-image, a truncated JPEG or a 20000x20000 decompression
bomb would fail inside Gradio with an anonymous "Error". Taking the raw payload instead sends every
upload through :func:`face2voice.image_input.load_rgb`, whose header checks and messages are
written for people.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import numpy as np

from ..config import VoiceControls
from ..errors import AudioError, Face2VoiceError, ImageError
from ..image_input import ImageLimits, ImageSource

MAX_AUDIO_SECONDS = 60.0


def image_source(payload: Any, limits: ImageLimits = ImageLimits()) -> ImageSource | None:
    """Bytes (or an array for webcam frames) from whatever Gradio or a client sent; None if empty."""
    if payload is None:
        return None
    if isinstance(payload, np.ndarray):
        return payload
    if isinstance(payload, dict):
        path, url = payload.get("path"), payload.get("url")
        if path:
            return _read_limited(Path(path), limits.max_bytes)
        if isinstance(url, str) and url.startswith("data:"):
            return _decode_data_url(url)
        return None
    if hasattr(payload, "path") and getattr(payload, "path", None):  # FileData object
        return _read_limited(Path(payload.path), limits.max_bytes)
    if isinstance(payload, (str, Path)):
        if str(payload).startswith("data:"):
            return _decode_data_url(str(payload))
        return _read_limited(Path(payload), limits.max_bytes)
    if isinstance(payload, (bytes, bytearray)):
        return bytes(payload)
    raise ImageError("The image arrived in a form this app does not understand; please upload a JPEG or PNG file.")


def _read_limited(path: Path, max_bytes: int) -> bytes:
    if not path.is_file():
        raise ImageError("The uploaded image could not be found on the server; please upload it again.")
    size = path.stat().st_size
    if size > max_bytes:
        raise ImageError(f"The image file is {size / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.0f} MB.")
    return path.read_bytes()


def _decode_data_url(url: str) -> bytes:
    try:
        return base64.b64decode(url.split(",", 1)[1], validate=False)
    except (IndexError, ValueError) as exc:
        raise ImageError("The image data is damaged and cannot be decoded.") from exc


def audio_source(payload: Any) -> tuple[np.ndarray, int] | None:
    """(mono float32 wav, sample rate) from an uploaded or recorded clip; None if nothing was given."""
    if payload is None:
        return None
    if isinstance(payload, (tuple, list)) and len(payload) == 2 and isinstance(payload[1], np.ndarray):
        return np.asarray(payload[1]), int(payload[0])
    path = payload.get("path") if isinstance(payload, dict) else getattr(payload, "path", payload)
    if not path:
        return None
    path = Path(path)
    if not path.is_file():
        raise AudioError("The voice recording could not be found on the server; please upload it again.")
    try:
        import soundfile as sf

        info = sf.info(str(path))
        if info.duration > MAX_AUDIO_SECONDS * 10:
            raise AudioError(f"The recording is {info.duration:.0f} s long; please use a clip under {MAX_AUDIO_SECONDS:.0f} s.")
        wav, sr = sf.read(str(path), dtype="float32", frames=int(MAX_AUDIO_SECONDS * info.samplerate), always_2d=False)
    except AudioError:
        raise
    except Exception:  # not a format libsndfile knows (webm/mp3 from some browsers): let librosa try
        try:
            import warnings

            import librosa

            with warnings.catch_warnings():  # librosa warns on its audioread fallback; the error below says it all
                warnings.simplefilter("ignore")
                wav, sr = librosa.load(str(path), sr=None, mono=True, duration=MAX_AUDIO_SECONDS)
        except Exception as exc:
            raise AudioError("This file is not an audio recording we can read (expected WAV, FLAC, OGG or MP3).") from exc
    return np.asarray(wav, dtype=np.float32), int(sr)


def voice_controls(
    use_face: bool | None,
    gender_mix: float | None,
    age: float | None,
    pitch: float | None,
    rate: float | None,
    seed: float | int | None,
) -> VoiceControls:
    """Slider values -> :class:`VoiceControls`. ``use_face`` keeps the face's own gender and age.

    Seed 0 (or empty) means "the face's own voice"; any other integer is a reproducible variation.
    """
    try:
        seed_int = None if seed in (None, "") or int(seed) == 0 else int(seed)
        keep = bool(use_face) if use_face is not None else True
        return VoiceControls(
            gender_mix=None if keep or gender_mix is None else float(gender_mix),
            age=None if keep or age is None else float(age),
            pitch_semitones=float(pitch or 0.0),
            rate=float(rate if rate not in (None, "") else 1.0),
            seed=seed_int,
        )
    except (TypeError, ValueError) as exc:
        raise Face2VoiceError(f"Invalid voice control: {exc}.", code="bad_control") from exc
