"""Event handlers: raw Gradio payloads in, display-ready values out, user errors as ``gr.Error``.

Each public handler is one API endpoint (see ``docs/API.md``), so its parameter names are the
keyword names clients use. The pipeline does the work; this module only routes inputs, draws the
figures, and turns failures into messages: a :class:`Face2VoiceError` becomes its own message, any
other exception is logged with its traceback on the server and shown as one friendly line, so a
visitor never sees a traceback.

The backend (``auto`` or one of ``Face2Voice.available_backends()``) is resolved by the pipeline
itself, so asking for one whose checkpoints are missing shows the pipeline's message naming the
missing file, and every result reports the backend that actually answered.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gradio as gr
import numpy as np

from ..errors import Face2VoiceError, ImageError
from ..face import FaceDetection
from ..image_input import load_rgb
from ..pipeline import ROUTES, Face2Voice
from ..results import FaceAnalysis, Result
from ..voice_design import AgeShaping, VoiceDesign, sharpen_gender
from .inputs import audio_source, image_source, voice_controls
from .plots import BankMap, bank_projection, embedding_heatmap, mel_figure
from .preview import annotate_frame, annotated_crop
from .state import DEFAULT_BACKEND, AppState
from .status import describe_backend, status_markdown

log = logging.getLogger("face2voice.app")

NO_PHOTO = "Please upload a photo of a face (or take one with the webcam) first."
PREVIEW_SIDE = 640  # live frames are downscaled before detection: enough for a face box, fast on 2 cores


def user_errors(action: str) -> Callable:
    """Decorator: pipeline errors -> their message; bugs -> a logged traceback and one calm line."""

    def wrap(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            try:
                return fn(*args, **kwargs)
            except gr.Error:
                raise
            except Face2VoiceError as exc:
                raise gr.Error(str(exc), title=_title(exc), print_exception=False) from None
            except Exception as exc:  # a bug or an environment problem: log it, never show a traceback
                log.exception("internal error while %s", action)
                raise gr.Error(
                    f"Something went wrong on our side while {action} ({type(exc).__name__}). Please try again; "
                    "if it keeps happening, the server log has the details.",
                    title="Internal error",
                    print_exception=False,
                ) from None

        return inner

    return wrap


def _title(exc: Face2VoiceError) -> str:
    from ..errors import AudioError, FaceError, TextError

    for kind, title in ((ImageError, "Image problem"), (FaceError, "No face found"), (TextError, "Text problem"), (AudioError, "Recording problem")):
        if isinstance(exc, kind):
            return title
    return "Cannot do that"


@dataclass(frozen=True)
class SpeakOutputs:
    """What /speak returns, in the order of the output components."""

    face_crop: np.ndarray
    face_info: str
    embedding_heatmap: np.ndarray
    bank_projection: np.ndarray
    mel_spectrogram: np.ndarray
    audio: tuple[int, np.ndarray]
    voice_match: float | None
    timings: str
    details: dict

    def as_tuple(self) -> tuple:
        return tuple(getattr(self, f.name) for f in dataclasses.fields(self))


class Handlers:
    """Binds the handlers to one :class:`AppState` (one pipeline per demo, shared by all sessions)."""

    def __init__(self, state: AppState):
        self.state = state
        self._bank_map_cache: BankMap | None = None

    # -- helpers ---------------------------------------------------------------------------------

    def _pipeline(self, progress: Any = None) -> Face2Voice:
        if progress is not None and not self.state.loaded:
            progress(0.02, desc="Loading the models (first request only)")
        return self.state.pipeline()

    def _backend(self, backend: str | None, progress: Any = None) -> tuple[Face2Voice, str]:
        """The pipeline and the concrete backend for a request; an unavailable one raises the
        pipeline's own message (it names the missing checkpoint), shown as a gr.Error."""
        pipe = self._pipeline(progress)
        return pipe, pipe.resolve_backend(backend or DEFAULT_BACKEND)

    def _bank_map(self) -> BankMap:
        if self._bank_map_cache is None:  # idempotent; a race only computes it twice
            self._bank_map_cache = BankMap.fit(self.state.pipeline().bank)
        return self._bank_map_cache

    def _face(self, image: Any, timings: dict[str, float]) -> tuple[FaceAnalysis, bool]:
        source = image_source(image, self.state.config.image_limits)
        if source is None:
            raise gr.Error(NO_PHOTO, title="No photo", print_exception=False)
        face, cached = self.state.analyze(source, timings)
        for w in face.warnings:
            gr.Warning(w)
        return face, cached

    @staticmethod
    def _notes(result: Result) -> None:
        for note in result.text.notes:
            gr.Warning(note)

    # -- Face -> voice ---------------------------------------------------------------------------

    @user_errors("analysing the photo")
    def analyze_face(self, image: Any):
        """Photo -> (annotated face crop, description, suggested gender mix, suggested age).

        No backend input: the face analysis is the same for every backend."""
        if image is None:
            return None, "", gr.skip(), gr.skip()
        face, _ = self._face(image, {})
        return annotated_crop(face), face_markdown(face), round(sharpen_gender(face.attributes.p_female), 2), round(face.attributes.age)

    @user_errors("speaking the text")
    def speak(
        self,
        image: Any,
        text: str,
        use_face_gender_age: bool = True,
        gender_mix: float | None = None,
        age: float | None = None,
        pitch_semitones: float = 0.0,
        rate: float = 1.0,
        seed: float = 0,
        backend: str | None = DEFAULT_BACKEND,
        progress: gr.Progress = gr.Progress(),
    ):
        """Photo + text + voice controls -> the face, the voice's embedding, its mel spectrogram and the audio."""
        return self._speak(image, text, use_face_gender_age, gender_mix, age, pitch_semitones, rate, seed, backend, progress).as_tuple()

    @user_errors("re-synthesising with the new voice settings")
    def resynthesize(
        self,
        image: Any,
        text: str,
        use_face_gender_age: bool = True,
        gender_mix: float | None = None,
        age: float | None = None,
        pitch_semitones: float = 0.0,
        rate: float = 1.0,
        seed: float = 0,
        backend: str | None = DEFAULT_BACKEND,
        progress: gr.Progress = gr.Progress(),
    ):
        """Same outputs as /speak; meant for control changes: the face analysis is reused, never recomputed."""
        if image is None:
            gr.Info("Upload a photo first; the voice controls then change its voice.")
            return tuple(gr.skip() for _ in dataclasses.fields(SpeakOutputs))
        return self._speak(image, text, use_face_gender_age, gender_mix, age, pitch_semitones, rate, seed, backend, progress).as_tuple()

    def speak_example(self, image: Any, text: str):
        """Examples (cached lazily) run with the face's own voice."""
        return self.speak(image, text)

    def _speak(self, image, text, use_face, gender_mix, age, pitch, rate, seed, backend, progress) -> SpeakOutputs:
        t_start = time.perf_counter()
        controls = voice_controls(use_face, gender_mix, age, pitch, rate, seed)
        pipe, backend = self._backend(backend, progress)  # an unavailable backend fails before any work
        prepared = pipe.prepare(text)  # bad text fails before any image work
        progress(0.1, desc="Finding the face")
        timings: dict[str, float] = {}
        face, cached = self._face(image, timings)
        progress(0.25, desc="Designing the voice")
        t0 = time.perf_counter()
        design = pipe.design_voice(face, controls, backend)
        timings["voice_design"] = time.perf_counter() - t0
        progress(0.35, desc=f"Speaking {len(prepared.sentences)} sentence(s) ({backend})")
        result = pipe.synthesize(design, prepared, controls, face=face, timings=timings, backend=backend)
        self._notes(result)
        progress(0.9, desc="Drawing the figures")
        bank_map = self._bank_map()
        marks = [("this face's voice", result.embedding, "#111111")]
        if result.output_embedding is not None:
            marks.append(("produced audio", result.output_embedding, "#f0a020"))
        details = {**result.summary(), "face_analysis_cached": cached, "request_s": round(time.perf_counter() - t_start, 3)}
        return SpeakOutputs(
            face_crop=annotated_crop(face),
            face_info=face_markdown(face),
            embedding_heatmap=embedding_heatmap(result.embedding),
            bank_projection=bank_projection(bank_map, marks),
            mel_spectrogram=mel_figure(result.mel),
            audio=_pcm(result),
            voice_match=None if result.voice_match is None else round(float(result.voice_match), 4),
            timings=timings_markdown(result, cached, describe_backend(pipe, result.backend)),
            details=details,
        )

    @user_errors("reading the face's voice")
    def face_voice_controls(self, image: Any):
        """'Reset to the face's voice': the control values that reproduce the face's own voice."""
        if image is None:
            return True, gr.skip(), gr.skip(), 0.0, 1.0, 0
        face, _ = self._face(image, {})
        return True, round(sharpen_gender(face.attributes.p_female), 2), round(face.attributes.age), 0.0, 1.0, 0

    # -- live webcam -----------------------------------------------------------------------------

    def preview_frame(self, frame: Any):
        """One webcam frame -> the frame with face boxes drawn. Never raises: a bad frame is annotated."""
        if frame is None:
            return None, None
        try:
            rgb = load_rgb(image_source(frame), self.state.config.image_limits)
            small = _downscale(rgb, PREVIEW_SIDE)
            try:
                detection: FaceDetection | None = self._pipeline().detector.detect(small)
                msg = None if detection.count == 1 else f"{detection.count} faces: the largest is used"
            except Face2VoiceError as exc:
                detection, msg = None, _short(str(exc))
            return annotate_frame(small, detection, msg), rgb
        except Face2VoiceError:  # unreadable frame: skip it, the next one will do
            return None, None
        except Exception:
            log.exception("webcam preview failed")
            return None, None

    # -- compare ---------------------------------------------------------------------------------

    def _design_pair(self, pipe: Face2Voice, backend: str, image_a, image_b, progress):
        progress(0.1, desc="Finding both faces")
        face_a, _ = self._face(image_a, {})
        if image_b is None:
            raise gr.Error("Please add a second photo to compare with.", title="No photo", print_exception=False)
        face_b, _ = self._face(image_b, {})
        return face_a, face_b, pipe.design_voice(face_a, backend=backend), pipe.design_voice(face_b, backend=backend)

    @user_errors("comparing the two faces")
    def compare(self, image_a: Any, image_b: Any, text: str, backend: str | None = DEFAULT_BACKEND, progress: gr.Progress = gr.Progress()):
        """Two photos, one text -> each face, its voice and its embedding, side by side."""
        pipe, backend = self._backend(backend, progress)
        prepared = pipe.prepare(text)
        face_a, face_b, da, db = self._design_pair(pipe, backend, image_a, image_b, progress)
        progress(0.3, desc="Speaking with voice A")
        ra = pipe.synthesize(da, prepared, face=face_a, backend=backend)
        progress(0.6, desc="Speaking with voice B")
        rb = pipe.synthesize(db, prepared, face=face_b, backend=backend)
        self._notes(ra)
        marks = [("voice A", ra.embedding, "#111111"), ("voice B", rb.embedding, "#f0a020")]
        details = {
            "backend": backend,
            "a": _brief(ra),
            "b": _brief(rb),
            "embedding_cosine_a_b": round(float(np.dot(ra.embedding, rb.embedding)), 4),
        }
        return (
            annotated_crop(face_a),
            annotated_crop(face_b),
            _pcm(ra),
            _pcm(rb),
            embedding_heatmap(ra.embedding),
            embedding_heatmap(rb.embedding),
            bank_projection(self._bank_map(), marks),
            details,
        )

    @user_errors("blending the two voices")
    def blend(self, image_a: Any, image_b: Any, text: str, blend: float = 0.5, backend: str | None = DEFAULT_BACKEND, progress: gr.Progress = gr.Progress()):
        """A voice between A (blend 0) and B (blend 1): see :func:`blend_designs` for what is mixed."""
        pipe, backend = self._backend(backend, progress)
        prepared = pipe.prepare(text)
        t = float(np.clip(0.5 if blend is None else blend, 0.0, 1.0))
        _, _, da, db = self._design_pair(pipe, backend, image_a, image_b, progress)
        bank_route = ROUTES[backend] == ("attributes", "kokoro")
        mixed = blend_designs(da, db, t, pipe.bank.blend_embedding if bank_route else None)
        progress(0.4, desc=f"Speaking with the {t:.0%} blend")
        r = pipe.synthesize(mixed, prepared, backend=backend)
        marks = [("voice A", da.target_embedding, "#111111"), ("voice B", db.target_embedding, "#f0a020"), (f"blend {t:.2f}", r.embedding, "#18a058")]
        details = {"blend": t, **_brief(r), "cosine_to_a": round(float(np.dot(r.embedding, da.target_embedding)), 4), "cosine_to_b": round(float(np.dot(r.embedding, db.target_embedding)), 4)}
        return (
            _pcm(r),
            embedding_heatmap(r.embedding),
            bank_projection(self._bank_map(), marks),
            details,
        )

    # -- reference voice -------------------------------------------------------------------------

    @user_errors("cloning the reference voice")
    def reference_voice(
        self,
        reference_audio: Any,
        text: str,
        pitch_semitones: float = 0.0,
        rate: float = 1.0,
        backend: str | None = DEFAULT_BACKEND,
        progress: gr.Progress = gr.Progress(),
    ):
        """A short voice clip instead of a face: its GE2E embedding is the voice's target.

        With Kokoro the nearest bank voices realise it; with a Tacotron backend the embedding itself
        conditions Tacotron, which is voice cloning as in the RTVC toolbox. The embedding source of
        the backend does not matter here: the recording replaces the face."""
        pipe, backend = self._backend(backend, progress)
        prepared = pipe.prepare(text)
        clip = audio_source(reference_audio)
        if clip is None:
            raise gr.Error("Please upload or record a short voice clip (3-10 s of speech) first.", title="No recording", print_exception=False)
        progress(0.15, desc="Embedding the reference voice (GE2E)")
        t0 = time.perf_counter()
        ref = pipe.embed_reference_voice(*clip)
        t_embed = time.perf_counter() - t0
        controls = voice_controls(True, None, None, pitch_semitones, rate, 0)
        design = pipe.design_from_embedding(ref, controls)
        progress(0.35, desc=f"Speaking with the cloned voice ({backend})")
        r = pipe.synthesize(design, prepared, controls, timings={"reference_embedding": t_embed}, backend=backend)
        self._notes(r)
        similarity = None if r.output_embedding is None else round(float(np.dot(ref, r.output_embedding) / (np.linalg.norm(ref) * np.linalg.norm(r.output_embedding) + 1e-9)), 4)
        marks = [("reference recording", ref, "#111111"), ("voice used", r.embedding, "#18a058")]
        if r.output_embedding is not None:
            marks.append(("produced audio", r.output_embedding, "#f0a020"))
        details = {**r.summary(), "reference_embedding": [round(float(x), 5) for x in ref], "similarity_to_reference": similarity}
        return (
            embedding_heatmap(ref),
            bank_projection(self._bank_map(), marks),
            mel_figure(r.mel),
            _pcm(r),
            similarity,
            details,
        )

    # -- status ----------------------------------------------------------------------------------

    @user_errors("loading the models")
    def status(self, backend: str | None = DEFAULT_BACKEND) -> str:
        """The model status panel (markdown) as seen from ``backend``. Loads the pipeline if needed:
        only the loaded pipeline knows which checkpoints actually work."""
        return status_markdown(self._pipeline(), backend or DEFAULT_BACKEND)

    @user_errors("loading the models")
    def page_load(self, backend: str | None = DEFAULT_BACKEND):
        """On page load: the status panel, and the Backend choices this server can actually run.

        Loading the models here warms the pipeline up while the visitor picks a photo."""
        pipe = self._pipeline()
        choices = [DEFAULT_BACKEND, *pipe.available_backends()]
        value = backend if backend in choices else DEFAULT_BACKEND
        return status_markdown(pipe, value), gr.Radio(choices=choices, value=value)


# -- formatting helpers ----------------------------------------------------------------------------


def blend_designs(a: VoiceDesign, b: VoiceDesign, t: float, embed: Callable[[np.ndarray], np.ndarray] | None) -> VoiceDesign:
    """Linear mix of two designs.

    Kokoro style tables mix linearly, so the bank weights do too. The target embedding follows
    whichever of the two defines the voice: on the embedded route it *is* the bank blend, so
    ``embed(weights)`` keeps it consistent with what Kokoro speaks; when Tacotron is conditioned on
    the embedding, or the targets came from the face encoder (``embed=None``), the two targets are
    interpolated and renormalised (GE2E embeddings live on the unit sphere), so t=0 and t=1 give
    exactly voices A and B.
    """
    w = ((1 - t) * a.weights + t * b.weights).astype(np.float32)
    w /= w.sum()
    if embed is not None:
        target = embed(w)
    else:
        mix = (1 - t) * a.target_embedding + t * b.target_embedding
        target = (mix / (np.linalg.norm(mix) + 1e-9)).astype(np.float32)
    lerp = lambda x, y: float((1 - t) * x + t * y)  # noqa: E731
    return dataclasses.replace(
        a,
        weights=w,
        target_embedding=target,
        gender_mix=lerp(a.gender_mix, b.gender_mix),
        age=lerp(a.age, b.age),
        shaping=AgeShaping(lerp(a.shaping.pitch, b.shaping.pitch), lerp(a.shaping.formant, b.shaping.formant), lerp(a.shaping.rate, b.shaping.rate)),
        speed=lerp(a.speed, b.speed),
        lang=a.lang if t < 0.5 else b.lang,
    )


def face_markdown(face: FaceAnalysis) -> str:
    a, d = face.attributes, face.detection
    faces = f"{d.count} faces found, using the largest" if d.count > 1 else "1 face found"
    return (
        f"**Perceived gender:** {a.gender} (P(female) = {a.p_female:.2f}, confidence {a.gender_confidence:.0%})  \n"
        f"**Perceived age:** about {a.age:.0f} years (confidence {a.age_confidence:.0%})  \n"
        f"**Detection:** {faces}, score {d.face.score:.2f}, {d.face.width}x{d.face.height} px"
    )


def timings_markdown(result: Result, face_cached: bool, route: str = "") -> str:
    names = {
        "load_image": "load image", "face_detection": "face detection", "attributes": "gender/age",
        "voice_design": "voice design", "synthesis": "speech synthesis", "age_shaping": "age shaping",
        "mel": "mel spectrogram", "voice_match": "voice match (GE2E)",
    }
    rows = [f"| {names.get(k, k)} | {v * 1000:.0f} ms |" for k, v in result.timings.items()]
    if face_cached:
        rows.insert(0, "| face detection | reused (same photo) |")
    total = sum(result.timings.values())
    return (
        "| Stage | Time |\n|---|---|\n" + "\n".join(rows) + f"\n| **total** | **{total:.2f} s** |\n\n"
        f"{result.duration:.1f} s of audio at {result.sample_rate // 1000} kHz, real-time factor {total / max(result.duration, 1e-9):.2f}  \n"
        f"**Backend:** {result.backend}" + (f" ({route})" if route else "")
    )


def _brief(r: Result) -> dict:
    s = r.summary()
    return {k: s[k] for k in ("backend", "sample_rate", "duration_s", "voices", "voice_match", "timings_s", "warnings") if k in s} | {"voice": s.get("voice")}


def _pcm(r: Result) -> tuple[int, np.ndarray]:
    """16-bit PCM for the Audio component (what Gradio would convert to anyway, minus its warning)."""
    return r.sample_rate, (np.clip(r.waveform, -1.0, 1.0) * 32767).astype(np.int16)


def _downscale(rgb: np.ndarray, side: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    if max(h, w) <= side:
        return rgb
    from PIL import Image

    s = side / max(h, w)
    return np.asarray(Image.fromarray(rgb).resize((round(w * s), round(h * s)), Image.Resampling.BILINEAR))


def _short(msg: str, n: int = 70) -> str:
    return msg if len(msg) <= n else msg.split(". ")[0][:n]


__all__ = ["Handlers", "SpeakOutputs", "blend_designs", "face_markdown", "timings_markdown"]
