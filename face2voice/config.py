"""Typed configuration: what is fixed per pipeline (paths, limits) vs chosen per request (controls)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .image_input import ImageLimits
from .original_models import OriginalSettings
from .text_input import MAX_TEXT_CHARS


def default_models_dir() -> Path:
    """``$FACE2VOICE_MODELS_DIR`` or ``./savedmodels``: where the original checkpoints may live."""
    return Path(os.environ.get("FACE2VOICE_MODELS_DIR", "savedmodels"))


@dataclass(frozen=True)
class PipelineConfig:
    """Fixed for the lifetime of a loaded pipeline."""

    models_dir: Path = field(default_factory=default_models_dir)
    image_limits: ImageLimits = ImageLimits()
    max_text_chars: int = MAX_TEXT_CHARS
    analyse_output: bool = True  # GE2E of the produced audio + voice match (about 10 % extra time)
    use_original_models: bool = True  # load checkpoints found in models_dir
    original: OriginalSettings = OriginalSettings()


@dataclass(frozen=True)
class VoiceControls:
    """Per-request voice choices. ``None`` means "as the face suggests".

    gender_mix: 0 = fully male voice bank, 1 = fully female, in between blends.
    age: years; shapes pitch, formants and rate for children and older speakers.
    pitch_semitones / rate: applied on top of whatever the face suggests.
    seed: None = the face's own voice; an int picks a different, reproducible variation.
    """

    gender_mix: float | None = None
    age: float | None = None
    pitch_semitones: float = 0.0
    rate: float = 1.0
    seed: int | None = None

    def __post_init__(self):
        if self.gender_mix is not None and not 0.0 <= self.gender_mix <= 1.0:
            raise ValueError("gender_mix must be within 0..1")
        if self.age is not None and not 3.0 <= self.age <= 100.0:
            raise ValueError("age must be within 3..100 years")
        if not -12.0 <= self.pitch_semitones <= 12.0:
            raise ValueError("pitch_semitones must be within -12..12")
        if not 0.5 <= self.rate <= 2.0:
            raise ValueError("rate must be within 0.5..2.0")
