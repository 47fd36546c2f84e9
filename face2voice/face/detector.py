"""Face detection with mediapipe's BlazeFace models, shipped inside this package.

mediapipe >= 1.0 wheels carry no model files, so the .tflite files (Apache-2.0, from the mediapipe
0.10.21 wheel) live in ``face2voice/data/mediapipe`` and are loaded from bytes: no download.
The short-range model gives the tightest boxes for a selfie-style face but misses faces smaller
than about a sixth of the frame; the full-range model finds those (group photos), so both run
(a few ms each) and their detections are merged.
"""

from __future__ import annotations

import contextlib
import os
import threading
from dataclasses import dataclass
from importlib import resources

import numpy as np

from ..errors import FaceError, ModelAssetError

MODEL_NAMES = ("face_detection_short_range.tflite", "face_detection_full_range_sparse.tflite")


@dataclass(frozen=True)
class FaceBox:
    """Pixel box (x, y, width, height) with the detector's score and 6 keypoints (x, y) in pixels.

    Keypoints follow BlazeFace: right eye, left eye, nose tip, mouth, right ear, left ear
    (the subject's right eye appears on the image's left).
    """

    x: int
    y: int
    width: int
    height: int
    score: float
    keypoints: tuple[tuple[float, float], ...]

    @property
    def area(self) -> int:
        return self.width * self.height

    @property
    def eyes(self) -> tuple[tuple[float, float], tuple[float, float]]:
        return self.keypoints[0], self.keypoints[1]

    def as_dict(self) -> dict:
        return {"x": self.x, "y": self.y, "width": self.width, "height": self.height, "score": round(self.score, 4)}


@dataclass(frozen=True)
class FaceDetection:
    """The face we use (the largest) plus every face found, so callers can tell the user."""

    face: FaceBox
    all_faces: tuple[FaceBox, ...]

    @property
    def count(self) -> int:
        return len(self.all_faces)


@dataclass(frozen=True)
class DetectorConfig:
    min_confidence: float = 0.5
    min_face_px: int = 24  # smaller "faces" are noise or too small to judge


class FaceDetector:
    """A loaded BlazeFace detector. One instance serves many threads (calls are serialised)."""

    def __init__(self, tasks: list, config: DetectorConfig):
        self._tasks = tasks
        self._config = config
        self._lock = threading.Lock()
        # mediapipe closes through a thread pool that is shut down at interpreter exit; closing
        # in a threading-atexit hook (run before that pool's own) avoids a noisy traceback.
        threading._register_atexit(self.close)

    @classmethod
    def load(cls, config: DetectorConfig = DetectorConfig()) -> FaceDetector:
        from mediapipe.tasks.python import BaseOptions, vision

        tasks = []
        with _quiet_native_stderr():
            cls._create_tasks(tasks, config, BaseOptions, vision)
        detector = cls(tasks, config)
        with _quiet_native_stderr():  # the first call logs runtime set-up lines too
            detector._detect_raw(np.zeros((64, 64, 3), np.uint8))
        return detector

    @staticmethod
    def _create_tasks(tasks: list, config: DetectorConfig, BaseOptions, vision) -> None:
        for name in MODEL_NAMES:
            try:
                model = resources.files("face2voice.data.mediapipe").joinpath(name).read_bytes()
            except (FileNotFoundError, ModuleNotFoundError) as exc:
                raise ModelAssetError(f"The face detector model {name} is missing from the installed package.") from exc
            options = vision.FaceDetectorOptions(
                base_options=BaseOptions(model_asset_buffer=model),
                min_detection_confidence=config.min_confidence,
            )
            tasks.append(vision.FaceDetector.create_from_options(options))

    def _detect_raw(self, rgb: np.ndarray) -> list:
        import mediapipe as mp

        image = mp.Image(image_format=mp.ImageFormat.SRGB, data=np.ascontiguousarray(rgb))
        with self._lock:
            if not self._tasks:
                raise RuntimeError("FaceDetector is closed")
            return [task.detect(image) for task in self._tasks]

    def detect(self, rgb: np.ndarray) -> FaceDetection:
        """Find faces; raise :class:`FaceError` if there is none."""
        h, w = rgb.shape[:2]
        results = self._detect_raw(rgb)
        faces: list[FaceBox] = []
        for result in results:  # short-range first: its box wins where both models see a face
            for det in result.detections:
                bb = det.bounding_box
                x0, y0 = max(0, bb.origin_x), max(0, bb.origin_y)
                x1, y1 = min(w, bb.origin_x + bb.width), min(h, bb.origin_y + bb.height)
                if min(x1 - x0, y1 - y0) < self._config.min_face_px:
                    continue
                kps = tuple((float(k.x * w), float(k.y * h)) for k in det.keypoints)
                box = FaceBox(int(x0), int(y0), int(x1 - x0), int(y1 - y0), float(det.categories[0].score), kps)
                if all(_iou(box, other) < 0.3 for other in faces):
                    faces.append(box)
        if not faces:
            raise FaceError(
                "No face found in this photo. Use a clear, front-facing photo where the face is at least "
                f"{self._config.min_face_px} pixels wide and well lit."
            )
        faces.sort(key=lambda f: f.area, reverse=True)
        return FaceDetection(face=faces[0], all_faces=tuple(faces))

    def close(self) -> None:
        with self._lock, _quiet_native_stderr():
            for task in self._tasks:
                task.close()
            self._tasks = []


@contextlib.contextmanager
def _quiet_native_stderr():
    """Silence LiteRT's C++ start-up chatter (INFO/WARNING lines that ignore GLOG levels).

    Only used while models load, once per process; Python-level errors still propagate.
    """
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _iou(a: FaceBox, b: FaceBox) -> float:
    ix = max(0, min(a.x + a.width, b.x + b.width) - max(a.x, b.x))
    iy = max(0, min(a.y + a.height, b.y + b.height) - max(a.y, b.y))
    inter = ix * iy
    return inter / float(a.area + b.area - inter) if inter else 0.0
