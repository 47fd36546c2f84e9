"""Run a folder of faces through each backend once and keep everything the metrics need.

Every rendering is made exactly once and shared by all metrics (voice match, matching test,
diversity, F0, WER and latency all read the same audio), which keeps a run short and guarantees
the figures describe the same voices.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..analysis import cosine
from ..config import VoiceControls
from ..errors import Face2VoiceError
from ..results import FaceAnalysis, Result
from .acoustics import Acoustics, measure
from .asr import transcribe, word_errors, words
from .config import IMAGE_SUFFIXES, LABELS_FILE, EvalConfig

Synthesize = Callable[[str, FaceAnalysis, str, VoiceControls], Result]  # (backend, face, text, controls)


@dataclass(frozen=True)
class FaceRecord:
    """One photo: what the face stage perceived, plus an optional human annotation."""

    name: str
    p_female: float
    age: float
    faces_found: int
    timings: dict[str, float]
    annotated_gender: str | None = None
    annotated_age: float | None = None
    analysis: FaceAnalysis | None = field(default=None, repr=False, compare=False)

    @property
    def perceived_gender(self) -> str:
        return "female" if self.p_female >= 0.5 else "male"

    def ambiguous(self, band: tuple[float, float]) -> bool:
        return band[0] < self.p_female < band[1]


@dataclass(frozen=True)
class Render:
    """One sentence spoken by one backend for one face (``control_age`` None = the face's own age)."""

    backend: str
    face: str
    sentence: int
    text: str
    control_age: float | None
    duration_s: float
    target: np.ndarray = field(repr=False)  # (256,) the backend's target speaker embedding
    output: np.ndarray = field(repr=False)  # (256,) GE2E of the produced audio
    voice_match: float
    acoustics: Acoustics
    design_age: float
    gender_mix: float
    pitch_factor: float
    rate_factor: float
    speed: float
    voices: tuple[tuple[str, float], ...]
    timings: dict[str, float]
    transcript: str | None = None
    errors: int | None = None
    ref_words: int = 0


@dataclass(frozen=True)
class Skipped:
    name: str
    reason: str


def find_faces(folder: Path) -> list[Path]:
    """Image files directly in ``folder`` (sorted, so runs are reproducible)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise Face2VoiceError(f"Face folder '{folder}' does not exist or is not a folder.")
    photos = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if len(photos) < 2:
        raise Face2VoiceError(
            f"Found {len(photos)} photo(s) in '{folder}'; the evaluation compares faces with each other and needs at least 2 "
            f"({', '.join(IMAGE_SUFFIXES)})."
        )
    return photos


def load_labels(path: Path | None, folder: Path) -> dict[str, dict]:
    """Optional ground truth ``{"file.jpg": {"gender": "female", "age": 77}}``; default ``<folder>/labels.json``."""
    path = Path(path) if path is not None else Path(folder) / LABELS_FILE
    if not path.exists():
        return {}
    try:
        labels = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise Face2VoiceError(f"Labels file '{path}' is not readable JSON: {exc}.") from exc
    if not isinstance(labels, dict) or not all(isinstance(v, dict) for v in labels.values()):
        raise Face2VoiceError(f"Labels file '{path}' must map file names to objects like {{\"gender\": \"female\"}}.")
    for name, item in labels.items():
        if item.get("gender") not in (None, "female", "male"):
            raise Face2VoiceError(f"Labels file '{path}': gender of '{name}' must be 'female' or 'male'.")
    return labels


def analyse_faces(pipeline, photos: list[Path], labels: dict[str, dict]) -> tuple[list[FaceRecord], list[Skipped]]:
    """Face stage once per photo; a photo without a usable face is reported, not fatal."""
    faces, skipped = [], []
    for path in photos:
        timings: dict[str, float] = {}
        try:
            analysis = pipeline.analyze_face(path, timings)
        except Face2VoiceError as exc:
            skipped.append(Skipped(path.name, str(exc)))
            continue
        label = labels.get(path.name, {})
        faces.append(
            FaceRecord(
                name=path.name,
                p_female=float(analysis.attributes.p_female),
                age=float(analysis.attributes.age),
                faces_found=int(analysis.detection.count),
                timings=timings,
                annotated_gender=label.get("gender"),
                annotated_age=None if label.get("age") is None else float(label["age"]),
                analysis=analysis,
            )
        )
    if len(faces) < 2:
        detail = "; ".join(f"{s.name}: {s.reason}" for s in skipped)
        raise Face2VoiceError(f"Only {len(faces)} photo(s) had a usable face; at least 2 are needed. {detail}")
    return faces, skipped


def render(
    synthesize: Synthesize,
    embed: Callable[[np.ndarray, int], np.ndarray],
    backend: str,
    face: FaceRecord,
    sentence: int,
    text: str,
    control_age: float | None,
    run_asr: bool,
) -> Render:
    controls = VoiceControls(age=control_age) if control_age is not None else VoiceControls()
    result = synthesize(backend, face.analysis, text, controls)
    output = result.output_embedding if result.output_embedding is not None else embed(result.waveform, result.sample_rate)
    transcript, errors, n = None, None, len(words(text))
    if run_asr:
        transcript = transcribe(result.waveform, result.sample_rate)
        errors, n = word_errors(text, transcript)
    design = result.design
    return Render(
        backend=backend,
        face=face.name,
        sentence=sentence,
        text=text,
        control_age=control_age,
        duration_s=result.duration,
        target=np.asarray(result.embedding, np.float32),
        output=np.asarray(output, np.float32),
        voice_match=cosine(result.embedding, output),
        acoustics=measure(result.waveform, result.sample_rate, text),
        design_age=float(design.age) if design is not None else face.age,
        gender_mix=float(design.gender_mix) if design is not None else float("nan"),
        pitch_factor=float(design.shaping.pitch) if design is not None else 1.0,
        rate_factor=float(design.shaping.rate) if design is not None else 1.0,
        speed=float(design.speed) if design is not None else 1.0,
        voices=tuple(result.voices),
        timings=dict(result.timings),
        transcript=transcript,
        errors=errors,
        ref_words=n,
    )


def render_backend(
    synthesize: Synthesize,
    embed: Callable[[np.ndarray, int], np.ndarray],
    backend: str,
    faces: list[FaceRecord],
    config: EvalConfig,
    progress: Callable[[str], None] = lambda _msg: None,
) -> list[Render]:
    """Own voice: every face x every sentence. Age control: every face x every control age, sentence 0."""
    out: list[Render] = []
    for face in faces:
        progress(f"[{backend}] {face.name}: {len(config.sentences)} sentences + {len(config.control_ages)} control ages")
        for i, text in enumerate(config.sentences):
            out.append(render(synthesize, embed, backend, face, i, text, None, config.run_asr))
        for age in config.control_ages:
            out.append(render(synthesize, embed, backend, face, 0, config.sentences[0], float(age), False))
    return out
