"""What a synthesis request produces, as typed records that the CLI, app and evaluation share."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .face import FaceAttributes, FaceDetection
from .text_input import PreparedText
from .voice_design import VoiceDesign


@dataclass(frozen=True)
class FaceAnalysis:
    """Everything learned from the photo; reusable across re-syntheses (no re-detection)."""

    image_size: tuple[int, int]  # (width, height) after loading
    detection: FaceDetection
    display_crop: np.ndarray  # RGB uint8, face with margin
    aligned_crop: np.ndarray  # RGB uint8 160x160, eyes level (face-encoder input)
    attributes: FaceAttributes
    signature: np.ndarray  # appearance signature used to individualise the voice

    @property
    def warnings(self) -> tuple[str, ...]:
        n = self.detection.count
        if n > 1:
            return (f"Found {n} faces; using the largest one (box {self.detection.face.as_dict()}).",)
        return ()

    def summary(self) -> dict:
        return {
            "image_size": list(self.image_size),
            "faces_found": self.detection.count,
            "box": self.detection.face.as_dict(),
            "attributes": {k: (round(v, 3) if isinstance(v, float) else v) for k, v in self.attributes.as_dict().items()},
        }


@dataclass(frozen=True)
class Result:
    waveform: np.ndarray  # float32 mono in [-1, 1]
    sample_rate: int
    mel: np.ndarray  # (80, T) SV2TTS mel of the output
    embedding: np.ndarray  # (256,) target speaker embedding (GE2E space)
    design: VoiceDesign | None
    text: PreparedText
    backend: str
    face: FaceAnalysis | None = None
    output_embedding: np.ndarray | None = None  # GE2E of the produced audio
    voice_match: float | None = None  # cosine(embedding, output_embedding)
    voices: tuple[tuple[str, float], ...] = ()
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    warnings: tuple[str, ...] = ()

    @property
    def duration(self) -> float:
        return len(self.waveform) / self.sample_rate

    def summary(self) -> dict:
        """JSON-friendly description of what was decided and measured (no arrays but the embedding)."""
        out: dict = {
            "backend": self.backend,
            "sample_rate": self.sample_rate,
            "duration_s": round(self.duration, 3),
            "sentences": len(self.text.sentences),
            "voices": [{"name": n, "weight": w} for n, w in self.voices],
            "voice_match": None if self.voice_match is None else round(self.voice_match, 4),
            "timings_s": {k: round(v, 4) for k, v in self.timings.items()},
            "real_time_factor": round(sum(self.timings.values()) / max(self.duration, 1e-9), 3),
            "warnings": list(self.warnings) + list(self.text.notes),
            "embedding": [round(float(x), 5) for x in self.embedding],
        }
        if self.design is not None:
            out["voice"] = {
                "gender_mix_female": round(self.design.gender_mix, 3),
                "age": round(self.design.age, 1),
                "pitch_factor": round(self.design.shaping.pitch, 4),
                "formant_factor": round(self.design.shaping.formant, 4),
                "speed": round(self.design.speed, 3),
                "accent": self.design.lang,
            }
        if self.face is not None:
            out["face"] = self.face.summary()
        return out
