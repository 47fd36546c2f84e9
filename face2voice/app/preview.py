"""Drawing detections: the annotated face crop beside the results and the live webcam overlay.

Both are plain PIL drawing on copies of the frame, cheap enough (a few ms) to run on every
streamed webcam frame; detection itself is BlazeFace short-range, about 5 ms on one core.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..face import FaceBox, FaceDetection
from ..results import FaceAnalysis

USED, OTHER = (40, 220, 90), (255, 190, 40)
CROP_MARGIN = 0.35  # face.crops.display_crop's default margin, to place the box inside the crop


def _draw_box(draw: ImageDraw.ImageDraw, box: FaceBox, dx: int, dy: int, colour: tuple[int, int, int], width: int, label: str | None) -> None:
    x0, y0 = box.x - dx, box.y - dy
    draw.rectangle((x0, y0, x0 + box.width, y0 + box.height), outline=colour, width=width)
    if label:
        tw = int(draw.textlength(label)) + 8
        ty = max(0, y0 - 16)
        draw.rectangle((x0, ty, x0 + tw, ty + 15), fill=colour)
        draw.text((x0 + 4, ty + 2), label, fill=(0, 0, 0))


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: fixed-size bitmap font
        return ImageFont.load_default()


def annotated_crop(face: FaceAnalysis) -> np.ndarray:
    """The display crop with the used face's box and detector score drawn on it."""
    box = face.detection.face
    img = Image.fromarray(face.display_crop).convert("RGB")
    if max(img.size) < 160:  # tiny faces: upscale so the label stays readable
        scale = 160 / max(img.size)
        img = img.resize((round(img.width * scale), round(img.height * scale)), Image.Resampling.BICUBIC)
    else:
        scale = 1.0
    dx = max(0, box.x - int(box.width * CROP_MARGIN))
    dy = max(0, box.y - int(box.height * CROP_MARGIN))
    scaled = FaceBox(round((box.x - dx) * scale), round((box.y - dy) * scale), round(box.width * scale), round(box.height * scale), box.score, box.keypoints)
    draw = ImageDraw.Draw(img)
    _draw_box(draw, scaled, 0, 0, USED, max(2, img.width // 120), f"face {box.score:.2f}")
    return np.asarray(img)


def annotate_frame(rgb: np.ndarray, detection: FaceDetection | None, message: str | None = None) -> np.ndarray:
    """Every detected face boxed (green = the one the voice would use), or a hint when there is none."""
    img = Image.fromarray(rgb).convert("RGB")
    draw = ImageDraw.Draw(img)
    width = max(2, img.width // 200)
    if detection is not None:
        for i, box in enumerate(detection.all_faces):
            used = i == 0
            _draw_box(draw, box, 0, 0, USED if used else OTHER, width, f"{'using ' if used else ''}{box.score:.2f}")
    if message:  # at the bottom: Gradio's label badge covers the top-left corner
        font = _font(max(12, img.width // 40))
        h = font.size + 10
        draw.rectangle((0, img.height - h, img.width, img.height), fill=(0, 0, 0))
        draw.text((8, img.height - h + 4), message, fill=(255, 255, 255), font=font)
    return np.asarray(img)
