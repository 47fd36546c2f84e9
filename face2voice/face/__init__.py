"""Face stage: find the face, cut the crops the models need, estimate perceived attributes."""

from .attributes import AttributeEstimator, FaceAttributes
from .crops import aligned_crop, display_crop
from .detector import FaceBox, FaceDetection, FaceDetector

__all__ = [
    "AttributeEstimator",
    "FaceAttributes",
    "FaceBox",
    "FaceDetection",
    "FaceDetector",
    "aligned_crop",
    "display_crop",
]
