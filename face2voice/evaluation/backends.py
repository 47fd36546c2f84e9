"""How the evaluation asks a backend for speech, so every backend is measured the same way.

The evaluation never reaches into a backend's internals: it hands each one the same analysed face,
text and controls through the pipeline's public backend API (``available_backends()``,
``design_voice(..., backend)``, ``synthesize(..., backend=)``) and gets a
:class:`~face2voice.results.Result` back. Whatever backends the loaded pipeline offers (embedded
always; original / mixed routes when checkpoints are in ``savedmodels/``) can be evaluated.
"""

from __future__ import annotations

import time
from typing import Protocol

from ..config import VoiceControls
from ..errors import Face2VoiceError
from ..results import FaceAnalysis, Result


class SynthesizeFor(Protocol):
    """The one operation the evaluation needs, per backend (swap it in to evaluate an experiment)."""

    def __call__(self, backend: str, face: FaceAnalysis, text: str, controls: VoiceControls) -> Result: ...


def available_backends(pipeline) -> tuple[str, ...]:
    """Backends this loaded pipeline can run right now (checkpoints present, models loaded)."""
    return tuple(pipeline.available_backends())


def check_backends(pipeline, requested: tuple[str, ...] | None) -> tuple[str, ...]:
    """``None`` means all available; an unavailable name is a user error listing the alternatives."""
    available = available_backends(pipeline)
    if requested is None:
        return available
    missing = [b for b in requested if b not in available]
    if missing:
        raise Face2VoiceError(
            f"Backend(s) not available: {', '.join(missing)}. Available with the models found: {', '.join(available)} "
            f"({pipeline.model_status().rstrip('.')})."
        )
    return tuple(dict.fromkeys(requested))  # keep order, drop repeats


def synthesize_for(pipeline, backend: str, face: FaceAnalysis, text: str, controls: VoiceControls = VoiceControls()) -> Result:
    """Design the face's voice with ``backend``'s embedding source and speak ``text`` with its synthesizer.

    Voice design is timed into ``Result.timings["voice_design"]`` so latency tables cover the stage
    that differs most between backends (bank design vs face encoder).
    """
    t0 = time.perf_counter()
    design = pipeline.design_voice(face, controls, backend)
    timings = {"voice_design": time.perf_counter() - t0}
    return pipeline.synthesize(design, text, controls, face=face, timings=timings, backend=backend)
