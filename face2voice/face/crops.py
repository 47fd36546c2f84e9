"""Face crops: one for people to look at, one in the face encoder's training convention.

Lip2Speech trained its face encoder on boxes rotated by the eye-line angle and resized to
160x160 RGB (digest 2.2); the original Face2Voice app skipped the rotation. We follow training.
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

from .detector import FaceBox

ALIGNED_SIZE = 160


def display_crop(rgb: np.ndarray, box: FaceBox, margin: float = 0.35) -> np.ndarray:
    """The face with some context around it, for display."""
    h, w = rgb.shape[:2]
    mx, my = int(box.width * margin), int(box.height * margin)
    x0, y0 = max(0, box.x - mx), max(0, box.y - my)
    x1, y1 = min(w, box.x + box.width + mx), min(h, box.y + box.height + my)
    return np.ascontiguousarray(rgb[y0:y1, x0:x1])


def eye_angle_degrees(box: FaceBox) -> float:
    (rx, ry), (lx, ly) = box.eyes
    return math.degrees(math.atan2(ly - ry, lx - rx))


def aligned_crop(rgb: np.ndarray, box: FaceBox, size: int = ALIGNED_SIZE) -> np.ndarray:
    """Square box around the face, rotated so the eyes are level, resized to ``size`` (bilinear)."""
    side = max(box.width, box.height)
    cx, cy = box.x + box.width / 2.0, box.y + box.height / 2.0
    # Work on a padded neighbourhood so rotation never pulls in pixels from outside the frame edge.
    half = side * 0.75
    x0, y0 = int(math.floor(cx - half)), int(math.floor(cy - half))
    x1, y1 = int(math.ceil(cx + half)), int(math.ceil(cy + half))
    region = _padded_region(rgb, x0, y0, x1, y1)
    img = Image.fromarray(region)
    angle = eye_angle_degrees(box)
    rcx, rcy = cx - x0, cy - y0
    img = img.rotate(angle, resample=Image.Resampling.BILINEAR, center=(rcx, rcy))
    left, top = rcx - side / 2.0, rcy - side / 2.0
    img = img.crop((round(left), round(top), round(left + side), round(top + side)))
    return np.asarray(img.resize((size, size), Image.Resampling.BILINEAR), dtype=np.uint8)


def _padded_region(rgb: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> np.ndarray:
    h, w = rgb.shape[:2]
    out = np.zeros((y1 - y0, x1 - x0, 3), dtype=np.uint8)
    sx0, sy0, sx1, sy1 = max(0, x0), max(0, y0), min(w, x1), min(h, y1)
    if sx1 > sx0 and sy1 > sy0:
        out[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = rgb[sy0:sy1, sx0:sx1]
    return out
