"""From a face (perceived gender, age, appearance) to a concrete voice in the Kokoro bank.

The design is a point in GE2E space (the target embedding the SV2TTS synthesizer would be
conditioned on) realised as a blend of bank voices:

* gender: the face's P(female), sharpened so a confident face gets a clean voice and only an
  ambiguous one (p near 0.5) lands between the male and female halves of the bank;
* identity: a continuous appearance signature of the aligned face picks and weights the top
  voices within each half, so different faces of the same gender and age get different voices,
  the same face always the same one, and near-identical photos near-identical voices;
* age: children and older speakers get pitch/formant/rate shaping (see ``voice_shaping``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .config import VoiceControls
from .voice_bank import VoiceBank

SIGNATURE_DIM = 63
_PROJECTION_SEED = 20_241_124  # fixed: part of the face->voice mapping, like a model weight
TOP_K = 3  # voices blended per gender: enough to individualise, few enough to stay a clear voice
AFFINITY_TEMPERATURE = 3 * 0.35  # affinities are ~N(0, 1): the top voice leads, the next two colour it
EMBEDDING_TEMPERATURE = 0.02  # bank cosines differ by hundredths: the nearest voice should dominate


@dataclass(frozen=True)
class AgeShaping:
    """Multiplicative changes applied after synthesis (1.0 = unchanged)."""

    pitch: float = 1.0
    formant: float = 1.0
    rate: float = 1.0

    @property
    def is_identity(self) -> bool:
        return abs(self.pitch - 1) < 1e-3 and abs(self.formant - 1) < 1e-3 and abs(self.rate - 1) < 1e-3


@dataclass(frozen=True)
class VoiceDesign:
    weights: np.ndarray  # (N,) over the bank, sums to 1
    target_embedding: np.ndarray  # (256,) GE2E, unit norm
    gender_mix: float  # share of female voices in the blend
    age: float
    shaping: AgeShaping
    speed: float  # Kokoro speed (rate control x age rate)
    lang: str  # "en-us" | "en-gb": espeak accent of the dominant voice

    def top_voices(self, bank: VoiceBank, k: int = 4) -> list[tuple[str, float]]:
        order = np.argsort(-self.weights)[:k]
        return [(bank.names[i], round(float(self.weights[i]), 3)) for i in order if self.weights[i] > 0.005]


def face_signature(aligned_rgb: np.ndarray) -> np.ndarray:
    """Low-frequency 2-D DCT of the aligned grey face: smooth in the image, different across faces.

    Brightness and contrast are normalised out so lighting changes move it little.
    """
    from scipy.fft import dctn

    grey = np.asarray(Image.fromarray(aligned_rgb).convert("L").resize((32, 32), Image.Resampling.BILINEAR), np.float64)
    grey = (grey - grey.mean()) / (grey.std() + 1e-6)
    coeffs = dctn(grey, norm="ortho")[:8, :8].ravel()[1:]  # drop DC
    return (coeffs / (np.linalg.norm(coeffs) + 1e-9)).astype(np.float32)


def sharpen_gender(p_female: float) -> float:
    """Confident faces get a pure voice; only |p - 0.5| < ~0.3 blends the two halves."""
    return float(np.clip(0.5 + (p_female - 0.5) * 1.7, 0.0, 1.0))


def age_shaping(age: float, gender_mix: float) -> AgeShaping:
    """Pitch/formant/rate factors by perceived age, from typical speech-development figures.

    Children (< ~12) speak higher with shorter vocal tracts; in old age F0 falls for women and
    rises slightly for men, and speech slows. Adults (18-60) are left untouched.
    """
    if age < 18:
        t = float(np.clip((18 - age) / 10.0, 0.0, 1.0))  # 0 at 18, 1 at 8 and below
        return AgeShaping(pitch=1 + 0.30 * t, formant=1 + 0.12 * t, rate=1 + 0.04 * t)
    if age > 60:
        t = float(np.clip((age - 60) / 25.0, 0.0, 1.0))  # 0 at 60, 1 at 85+
        pitch = 1 + t * (gender_mix * -0.08 + (1 - gender_mix) * 0.04)
        return AgeShaping(pitch=pitch, formant=1 - 0.02 * t, rate=1 - 0.10 * t)
    return AgeShaping()


class VoiceDesigner:
    """Stateless given the bank; the projection matrix is fixed by seed (a constant of the method)."""

    def __init__(self, bank: VoiceBank):
        self.bank = bank
        rng = np.random.default_rng(_PROJECTION_SEED)
        self._projection = rng.standard_normal((len(bank.voices), SIGNATURE_DIM)).astype(np.float32)

    def design(self, signature: np.ndarray, p_female: float, age: float, controls: VoiceControls) -> VoiceDesign:
        mix = sharpen_gender(p_female) if controls.gender_mix is None else float(controls.gender_mix)
        age = float(age if controls.age is None else controls.age)
        affinity = self._projection @ signature.astype(np.float32)  # ~N(0, 1) per voice
        if controls.seed is not None:
            affinity = affinity + np.random.default_rng(controls.seed).gumbel(size=affinity.shape).astype(np.float32)
        weights = mix * self._group_weights(affinity, self.bank.is_female, AFFINITY_TEMPERATURE) + (
            1 - mix
        ) * self._group_weights(affinity, ~self.bank.is_female, AFFINITY_TEMPERATURE)
        return self._finish(weights, mix, age, controls)

    def design_for_embedding(self, embedding: np.ndarray, age: float, controls: VoiceControls) -> VoiceDesign:
        """Realise an arbitrary GE2E target (reference voice, face encoder) with the nearest bank voices."""
        sims = self.bank.embeddings @ (embedding / (np.linalg.norm(embedding) + 1e-9))
        everyone = np.ones(len(sims), dtype=bool)
        weights = self._group_weights(sims, everyone, EMBEDDING_TEMPERATURE)
        if controls.gender_mix is not None:  # the user overrides gender: nearest voices within each half
            mix = float(controls.gender_mix)
            weights = mix * self._group_weights(sims, self.bank.is_female, EMBEDDING_TEMPERATURE) + (
                1 - mix
            ) * self._group_weights(sims, ~self.bank.is_female, EMBEDDING_TEMPERATURE)
        mix_now = float(weights[self.bank.is_female].sum())
        design = self._finish(weights, mix_now, age if controls.age is None else controls.age, controls)
        # The target is the given embedding itself (what Tacotron is conditioned on); the bank
        # blend only approximates it for Kokoro, and voice match measures how closely.
        target = (embedding / (np.linalg.norm(embedding) + 1e-9)).astype(np.float32)
        return dataclasses.replace(design, target_embedding=target)

    @staticmethod
    def _group_weights(scores: np.ndarray, mask: np.ndarray, temperature: float) -> np.ndarray:
        """Softmax over the TOP_K best-scoring voices within ``mask``; zero elsewhere."""
        idx = np.flatnonzero(mask)
        top = idx[np.argsort(-scores[idx])[:TOP_K]]
        logits = scores[top] / temperature
        w = np.exp(logits - logits.max())
        out = np.zeros(scores.shape, dtype=np.float32)
        out[top] = w / w.sum()
        return out

    def _finish(self, weights: np.ndarray, mix: float, age: float, controls: VoiceControls) -> VoiceDesign:
        weights = (weights / weights.sum()).astype(np.float32)
        shaping = age_shaping(age, mix)
        pitch = shaping.pitch * 2 ** (controls.pitch_semitones / 12.0)
        shaping = AgeShaping(pitch=pitch, formant=shaping.formant, rate=shaping.rate)
        speed = float(np.clip(controls.rate * shaping.rate, 0.5, 2.0))
        uk = float(weights[[v.accent == "en-gb" for v in self.bank.voices]].sum())
        return VoiceDesign(
            weights=weights,
            target_embedding=self.bank.blend_embedding(weights),
            gender_mix=float(mix),
            age=float(age),
            shaping=shaping,
            speed=speed,
            lang="en-gb" if uk > 0.5 else "en-us",
        )
