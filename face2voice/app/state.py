"""The app's one shared pipeline: loaded lazily, once, thread-safely, and owned by the Blocks builder.

Why a holder object and not a module global: ``import app`` must stay cheap (tests, Spaces build
step, ``gradio`` reload), the first request pays the model load exactly once even when eight
arrive together, and tests can build two independent demos. The holder also keeps a small LRU of
face analyses keyed by image content, so moving a voice slider re-synthesises without running
face detection again (for the UI and for API clients alike, who cannot hold server objects).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from ..config import PipelineConfig
from ..image_input import ImageSource
from ..pipeline import Face2Voice
from ..results import FaceAnalysis

BACKENDS = ("embedded",)  # "checkpoints" / "mixed" join once the SV2TTS backend lands in the pipeline
DEFAULT_BACKEND = "embedded"

PipelineFactory = Callable[[str, PipelineConfig], Face2Voice]


def _default_factory(backend: str, config: PipelineConfig) -> Face2Voice:
    """Only the embedded backend exists today; the backend name is the seam for the checkpoint path."""
    if backend != "embedded":
        raise ValueError(f"Unknown backend {backend!r}; available: {', '.join(BACKENDS)}")
    return Face2Voice.load(config)


@dataclass
class AppState:
    """Per-demo shared state. Every attribute is either immutable or guarded by ``_lock``."""

    config: PipelineConfig = field(default_factory=PipelineConfig)
    factory: PipelineFactory = _default_factory
    face_cache_size: int = 64
    _pipelines: dict[str, Face2Voice] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _faces: OrderedDict[tuple[str, str], FaceAnalysis] = field(default_factory=OrderedDict, init=False, repr=False)
    _faces_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def pipeline(self, backend: str = DEFAULT_BACKEND) -> Face2Voice:
        """The loaded pipeline for ``backend``; the first caller loads it, concurrent callers wait."""
        found = self._pipelines.get(backend)
        if found is not None:
            return found
        with self._lock:
            if backend not in self._pipelines:
                self._pipelines[backend] = self.factory(backend, self.config)
            return self._pipelines[backend]

    def loaded_backends(self) -> tuple[str, ...]:
        return tuple(self._pipelines)

    def analyze(self, source: ImageSource, backend: str = DEFAULT_BACKEND, timings: dict[str, float] | None = None) -> tuple[FaceAnalysis, bool]:
        """Face analysis for ``source``, reused when the same image was analysed before.

        Returns ``(analysis, from_cache)``. Errors are not cached: a retry re-raises the same message.
        """
        key = (backend, image_digest(source))
        with self._faces_lock:
            hit = self._faces.get(key)
            if hit is not None:
                self._faces.move_to_end(key)
                return hit, True
        face = self.pipeline(backend).analyze_face(source, timings)
        with self._faces_lock:
            self._faces[key] = face
            while len(self._faces) > self.face_cache_size:
                self._faces.popitem(last=False)
        return face, False

    def close(self) -> None:
        with self._lock:
            for p in self._pipelines.values():
                p.close()
            self._pipelines.clear()


def image_digest(source: ImageSource) -> str:
    """Content hash, so the same photo uploaded twice (new temp path) still hits the cache."""
    import numpy as np
    from pathlib import Path

    h = hashlib.blake2b(digest_size=16)
    if isinstance(source, (bytes, bytearray)):
        h.update(bytes(source))
    elif isinstance(source, np.ndarray):
        h.update(str(source.shape).encode())
        h.update(np.ascontiguousarray(source).tobytes())
    elif isinstance(source, (str, Path)):
        path = Path(source)
        h.update(path.read_bytes() if path.is_file() else f"missing:{path}".encode())
    else:  # PIL image
        h.update(source.tobytes())
    return h.hexdigest()
