"""The app's one shared pipeline: loaded lazily, once, thread-safely, and owned by the Blocks builder.

Why a holder object and not a module global: ``import app`` must stay cheap (tests, Spaces build
step, ``gradio`` reload), the first request pays the model load exactly once even when eight
arrive together, and tests can build two independent demos. One :class:`Face2Voice` serves every
backend (it holds the embedded models and whichever original checkpoints it found), so the
backend is a per-request argument, never a reason to load a second pipeline.

The holder also keeps a small LRU of face analyses keyed by image content only (detection,
attributes and the aligned crop do not depend on the backend), so moving a voice slider or
switching backends re-synthesises without running face detection again, for the UI and for API
clients alike, who cannot hold server objects.
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

DEFAULT_BACKEND = "auto"  # the pipeline's rule: the original models when all are present, else embedded

PipelineFactory = Callable[[PipelineConfig], Face2Voice]


@dataclass
class AppState:
    """Per-demo shared state. Every attribute is either immutable or guarded by a lock.

    ``factory`` builds the pipeline from ``config`` (tests inject an already loaded one).
    """

    config: PipelineConfig = field(default_factory=PipelineConfig)
    factory: PipelineFactory = Face2Voice.load
    face_cache_size: int = 64
    _pipeline: Face2Voice | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _faces: OrderedDict[str, FaceAnalysis] = field(default_factory=OrderedDict, init=False, repr=False)
    _faces_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def loaded(self) -> bool:
        return self._pipeline is not None

    def pipeline(self) -> Face2Voice:
        """The loaded pipeline; the first caller loads it, concurrent callers wait for that load."""
        found = self._pipeline
        if found is not None:
            return found
        with self._lock:
            if self._pipeline is None:
                self._pipeline = self.factory(self.config)
            return self._pipeline

    def analyze(self, source: ImageSource, timings: dict[str, float] | None = None) -> tuple[FaceAnalysis, bool]:
        """Face analysis for ``source``, reused when the same image was analysed before.

        Returns ``(analysis, from_cache)``. Errors are not cached: a retry re-raises the same message.
        """
        key = image_digest(source)
        with self._faces_lock:
            hit = self._faces.get(key)
            if hit is not None:
                self._faces.move_to_end(key)
                return hit, True
        face = self.pipeline().analyze_face(source, timings)
        with self._faces_lock:
            self._faces[key] = face
            while len(self._faces) > self.face_cache_size:
                self._faces.popitem(last=False)
        return face, False

    def close(self) -> None:
        with self._lock:
            if self._pipeline is not None:
                self._pipeline.close()
                self._pipeline = None


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
