"""The bank of Kokoro voices the embedded pipeline blends, each located in GE2E space.

Each voice is a (510, 256) Kokoro style table (one row per phoneme count) plus its measured GE2E
embedding and median F0 from ``scripts/build_voice_bank.py``. Style tables mix linearly (a 50/50
mix of a low and a high voice lands in between), which is what lets a continuous face attribute
become a continuous voice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources

import numpy as np

from .errors import ModelAssetError

BANK_FILE = "voice_bank.json"
VOICES_PACKAGE = "face2voice.data.kokoro_voices"
STYLE_SHAPE = (510, 256)
REFERENCE_TEXT = (
    "When the sunlight strikes raindrops in the air, they act as a prism and form a rainbow. "
    "The rainbow is a division of white light into many beautiful colors. "
    "These take the shape of a long round arch, with its path high above, and its two ends apparently beyond the horizon."
)


def load_style_table(name: str) -> np.ndarray:
    try:
        raw = resources.files(VOICES_PACKAGE).joinpath(f"{name}.bin").read_bytes()
    except FileNotFoundError as exc:
        raise ModelAssetError(f"Kokoro voice '{name}' is missing from the installed package.") from exc
    table = np.frombuffer(raw, dtype=np.float32)
    if table.size != STYLE_SHAPE[0] * STYLE_SHAPE[1]:
        raise ModelAssetError(f"Kokoro voice '{name}' has {table.size} values, expected {STYLE_SHAPE[0] * STYLE_SHAPE[1]}.")
    return table.reshape(STYLE_SHAPE).copy()


@dataclass(frozen=True)
class BankVoice:
    name: str
    gender: str  # "female" | "male"
    accent: str  # "en-us" | "en-gb"
    median_f0_hz: float
    embedding: np.ndarray  # (256,) GE2E, unit norm


class VoiceBank:
    """Immutable after loading, so one instance is shared by all requests."""

    def __init__(self, voices: list[BankVoice], styles: np.ndarray):
        self.voices = tuple(voices)
        self.styles = styles  # (N, 510, 256)
        self.styles.setflags(write=False)
        self.embeddings = np.stack([v.embedding for v in voices]).astype(np.float32)  # (N, 256)
        self.embeddings.setflags(write=False)
        self.is_female = np.array([v.gender == "female" for v in voices])

    @classmethod
    def load(cls) -> VoiceBank:
        try:
            meta = json.loads(resources.files("face2voice.data").joinpath(BANK_FILE).read_text())
        except FileNotFoundError as exc:
            raise ModelAssetError(f"{BANK_FILE} is missing; run scripts/build_voice_bank.py.") from exc
        voices = [
            BankVoice(v["name"], v["gender"], v["accent"], float(v["median_f0_hz"]), _unit(np.asarray(v["ge2e"], np.float32)))
            for v in meta["voices"]
        ]
        styles = np.stack([load_style_table(v.name) for v in voices])
        return cls(voices, styles)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.voices)

    def index(self, name: str) -> int:
        return self.names.index(name)

    def centroid(self, gender: str) -> np.ndarray:
        mask = self.is_female if gender == "female" else ~self.is_female
        return _unit(self.embeddings[mask].mean(axis=0))

    def blend_style(self, weights: np.ndarray) -> np.ndarray:
        """Weighted mix of the style tables; weights sum to 1."""
        return np.tensordot(np.asarray(weights, np.float32), self.styles, axes=1).astype(np.float32)

    def blend_embedding(self, weights: np.ndarray) -> np.ndarray:
        return _unit(np.asarray(weights, np.float32) @ self.embeddings)


def _unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return (v / n).astype(np.float32) if n > 0 else v.astype(np.float32)
