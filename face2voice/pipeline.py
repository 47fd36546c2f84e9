"""The face-to-voice pipeline: photo -> face -> attributes -> speaker embedding -> speech -> analysis.

Models are loaded once by :meth:`Face2Voice.load` and held by the instance (never in module
globals), so an app can share one pipeline between request threads: every model object here is
either stateless at inference or serialises its own calls.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from .analysis import cosine, sv2tts_mel
from .config import PipelineConfig, VoiceControls
from .face import AttributeEstimator, FaceDetector, aligned_crop, display_crop
from .image_input import ImageSource, load_rgb
from .results import FaceAnalysis, Result
from .speaker_encoder import SpeakerEncoder
from .text_input import PreparedText, prepare_text
from .tts.kokoro_engine import KokoroEngine
from .voice_bank import VoiceBank
from .voice_design import VoiceDesign, VoiceDesigner, face_signature
from .voice_shaping import apply_shaping


@dataclass
class _Clock:
    timings: dict[str, float]

    @contextmanager
    def stage(self, name: str):
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - t0


class Face2Voice:
    """A loaded pipeline. Build with :meth:`load`; call :meth:`speak`."""

    def __init__(
        self,
        config: PipelineConfig,
        detector: FaceDetector,
        attributes: AttributeEstimator,
        encoder: SpeakerEncoder,
        bank: VoiceBank,
        engine: KokoroEngine,
        load_seconds: float = 0.0,
    ):
        self.config = config
        self.detector = detector
        self.attributes = attributes
        self.encoder = encoder
        self.bank = bank
        self.engine = engine
        self.designer = VoiceDesigner(bank)
        self.load_seconds = load_seconds

    @classmethod
    def load(cls, config: PipelineConfig | None = None) -> Face2Voice:
        """Load every embedded model (no downloads: all weights ship in installed packages)."""
        config = config or PipelineConfig()
        t0 = time.perf_counter()
        pipeline = cls(
            config=config,
            detector=FaceDetector.load(),
            attributes=AttributeEstimator.load(),
            encoder=SpeakerEncoder.load(),
            bank=VoiceBank.load(),
            engine=KokoroEngine.load(),
        )
        pipeline.load_seconds = time.perf_counter() - t0
        return pipeline

    # -- stages -------------------------------------------------------------------------------

    def analyze_face(self, image: ImageSource, timings: dict[str, float] | None = None) -> FaceAnalysis:
        clock = _Clock(timings if timings is not None else {})
        with clock.stage("load_image"):
            rgb = load_rgb(image, self.config.image_limits)
        with clock.stage("face_detection"):
            detection = self.detector.detect(rgb)
            crop = display_crop(rgb, detection.face)
            aligned = aligned_crop(rgb, detection.face)
        with clock.stage("attributes"):
            attrs = self.attributes.estimate(rgb, detection.face)
        return FaceAnalysis(
            image_size=(rgb.shape[1], rgb.shape[0]),
            detection=detection,
            display_crop=crop,
            aligned_crop=aligned,
            attributes=attrs,
            signature=face_signature(aligned),
        )

    def design_voice(self, face: FaceAnalysis, controls: VoiceControls = VoiceControls()) -> VoiceDesign:
        return self.designer.design(face.signature, face.attributes.p_female, face.attributes.age, controls)

    def design_from_embedding(self, embedding: np.ndarray, controls: VoiceControls = VoiceControls(), age: float = 35.0) -> VoiceDesign:
        """Realise any GE2E embedding (a reference recording, the face encoder) with bank voices."""
        return self.designer.design_for_embedding(np.asarray(embedding, np.float32), age, controls)

    def embed_reference_voice(self, wav: np.ndarray, sr: int) -> np.ndarray:
        """GE2E embedding of a reference recording (voice cloning input)."""
        return self.encoder.embed_speech(wav, sr)

    # -- whole requests -----------------------------------------------------------------------

    def speak(self, image: ImageSource, text: str, controls: VoiceControls = VoiceControls()) -> Result:
        timings: dict[str, float] = {}
        prepared = self.prepare(text)  # validate text before spending time on the image
        face = self.analyze_face(image, timings)
        with _Clock(timings).stage("voice_design"):
            design = self.design_voice(face, controls)
        return self.synthesize(design, prepared, controls, face=face, timings=timings)

    def prepare(self, text: str) -> PreparedText:
        return prepare_text(text, self.config.max_text_chars)

    def synthesize(
        self,
        design: VoiceDesign,
        text: str | PreparedText,
        controls: VoiceControls = VoiceControls(),
        face: FaceAnalysis | None = None,
        timings: dict[str, float] | None = None,
    ) -> Result:
        """Speak ``text`` with an already designed voice (used to re-synthesise without re-detecting)."""
        timings = dict(timings or {})
        clock = _Clock(timings)
        prepared = text if isinstance(text, PreparedText) else self.prepare(text)
        with clock.stage("synthesis"):
            style = self.bank.blend_style(design.weights)
            wav = self.engine.synthesize(prepared.sentences, style, speed=design.speed, lang=design.lang)
        sr = self.engine.sample_rate
        with clock.stage("age_shaping"):
            wav = apply_shaping(wav, sr, design.shaping, seed=controls.seed or 0)
        wav = _peak_normalise(wav)
        with clock.stage("mel"):
            mel = sv2tts_mel(wav, sr)
        out_emb, match = None, None
        if self.config.analyse_output:
            with clock.stage("voice_match"):
                out_emb = self.encoder.embed_speech(wav, sr)
                match = cosine(design.target_embedding, out_emb)
        warnings = face.warnings if face is not None else ()
        return Result(
            waveform=wav,
            sample_rate=sr,
            mel=mel,
            embedding=design.target_embedding,
            design=design,
            text=prepared,
            backend="embedded",
            face=face,
            output_embedding=out_emb,
            voice_match=match,
            voices=tuple(design.top_voices(self.bank)),
            timings=timings,
            warnings=warnings,
        )

    def close(self) -> None:
        self.detector.close()


def _peak_normalise(wav: np.ndarray, peak: float = 0.97) -> np.ndarray:
    wav = np.asarray(wav, dtype=np.float32)
    m = float(np.max(np.abs(wav))) if wav.size else 0.0
    return wav * (peak / m) if m > peak else wav
