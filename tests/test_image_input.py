import io

import numpy as np
import pytest
from PIL import Image

from face2voice.errors import ImageError
from face2voice.image_input import ImageLimits, load_rgb


def _png(w, h, mode="RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, (w, h)).save(buf, format="PNG")
    return buf.getvalue()


def test_non_image_bytes():
    with pytest.raises(ImageError, match="not an image"):
        load_rgb(b"this is plainly not an image file" * 10)


def test_truncated_jpeg(examples_dir):
    data = (examples_dir / "obama.jpg").read_bytes()
    with pytest.raises(ImageError, match="damaged or truncated"):
        load_rgb(data[: len(data) // 3])


def test_one_pixel_image():
    with pytest.raises(ImageError, match="1x1"):
        load_rgb(_png(1, 1))


def test_huge_image_is_refused_from_the_header():
    data = _png(20000, 20000, mode="1")  # tiny file, 400 MP once decoded
    assert len(data) < 200_000
    with pytest.raises(ImageError, match="400 MP"):
        load_rgb(data)


def test_too_many_bytes():
    with pytest.raises(ImageError, match="limit"):
        load_rgb(b"\x89PNG" + b"0" * 100, ImageLimits(max_bytes=50))


def test_missing_file(tmp_path):
    with pytest.raises(ImageError, match="not found"):
        load_rgb(tmp_path / "nope.jpg")


def test_rgba_and_grey_become_rgb():
    rgba = np.zeros((64, 64, 4), np.uint8)
    assert load_rgb(rgba).shape == (64, 64, 3)
    grey = np.zeros((64, 80), np.uint8)
    assert load_rgb(grey).shape == (64, 80, 3)


def test_large_photo_is_downscaled_for_work():
    out = load_rgb(np.zeros((3000, 2000, 3), np.uint8))
    assert max(out.shape[:2]) == 1600
