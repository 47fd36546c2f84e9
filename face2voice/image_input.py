"""Turning whatever a user hands us (path, bytes, PIL image, webcam array) into a safe RGB array.

Untrusted uploads are the main attack surface of a public demo, so size limits are checked from the
image header *before* any pixel is decoded: a 20000x20000 PNG is a few KB on disk but 1.2 GB once
decoded.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ImageError


@dataclass(frozen=True)
class ImageLimits:
    """Bounds on accepted photos; defaults suit phone photos and webcams."""

    max_bytes: int = 25 * 1024 * 1024
    max_pixels: int = 40_000_000  # ~ 7300 x 5500; a 48 MP phone photo is refused with a clear message
    min_side: int = 48
    max_side: int = 12_000
    working_side: int = 1600  # larger photos are downscaled before detection (faster, same result)


ImageSource = str | Path | bytes | bytearray | np.ndarray | Image.Image


def load_rgb(source: ImageSource, limits: ImageLimits = ImageLimits()) -> np.ndarray:
    """Decode ``source`` into an (H, W, 3) uint8 RGB array, refusing anything unsafe or broken."""
    if isinstance(source, np.ndarray):
        return _from_array(source, limits)
    if isinstance(source, Image.Image):
        _check_dims(source.size, limits)
        return _finish(source, limits)
    data = _read_bytes(source, limits)
    if not data:
        raise ImageError("The image file is empty.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            _check_dims(img.size, limits)  # header only: nothing decoded yet
            img.load()
    except ImageError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        if isinstance(exc, UnidentifiedImageError):
            raise ImageError("This file is not an image we can read (expected JPEG, PNG, WebP, BMP or GIF).") from exc
        found = re.search(r"\((\d+) pixels\)", str(exc))
        size = f" ({int(found.group(1)) / 1e6:.0f} MP)" if found else ""
        raise ImageError(
            f"The image is too large to process safely{size}; the limit is {limits.max_pixels / 1e6:.0f} MP. Please resize it."
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"The image file is damaged or truncated and cannot be decoded ({exc}).") from exc
    return _finish(img, limits)


def _read_bytes(source: str | Path | bytes | bytearray, limits: ImageLimits) -> bytes:
    if isinstance(source, (bytes, bytearray)):
        if len(source) > limits.max_bytes:
            raise ImageError(f"The image file is {len(source) / 2**20:.1f} MB; the limit is {limits.max_bytes / 2**20:.0f} MB.")
        return bytes(source)
    path = Path(source)
    if not path.is_file():
        raise ImageError(f"Image file not found: {path}")
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise ImageError(f"The image file is {size / 2**20:.1f} MB; the limit is {limits.max_bytes / 2**20:.0f} MB.")
    return path.read_bytes()


def _check_dims(size: tuple[int, int], limits: ImageLimits) -> None:
    w, h = size
    if min(w, h) < limits.min_side:
        raise ImageError(f"The image is {w}x{h} pixels; a face needs at least {limits.min_side}x{limits.min_side}.")
    if max(w, h) > limits.max_side or w * h > limits.max_pixels:
        raise ImageError(
            f"The image is {w}x{h} pixels ({w * h / 1e6:.0f} MP); the limit is {limits.max_pixels / 1e6:.0f} MP "
            f"and {limits.max_side} px per side. Please resize it."
        )


def _finish(img: Image.Image, limits: ImageLimits) -> np.ndarray:
    img = ImageOps.exif_transpose(img)  # phone photos are often stored sideways
    if img.mode != "RGB":
        if img.mode in ("RGBA", "LA", "P"):
            img = img.convert("RGBA")
            background = Image.new("RGBA", img.size, (255, 255, 255, 255))
            img = Image.alpha_composite(background, img)
        img = img.convert("RGB")
    if max(img.size) > limits.working_side:
        img = img.copy()
        img.thumbnail((limits.working_side, limits.working_side), Image.Resampling.LANCZOS)
    return np.ascontiguousarray(np.asarray(img, dtype=np.uint8))


def _from_array(arr: np.ndarray, limits: ImageLimits) -> np.ndarray:
    if arr.ndim == 2:
        arr = np.stack([arr] * 3, axis=-1)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise ImageError(f"Expected an RGB image array of shape (H, W, 3); got shape {arr.shape}.")
    _check_dims((arr.shape[1], arr.shape[0]), limits)
    if arr.dtype != np.uint8:
        if np.issubdtype(arr.dtype, np.floating) and arr.size and float(np.nanmax(arr)) <= 1.0:
            arr = arr * 255.0
        arr = np.clip(np.nan_to_num(arr), 0, 255).astype(np.uint8)
    return _finish(Image.fromarray(np.ascontiguousarray(arr[..., :3])), limits)
