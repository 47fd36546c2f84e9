"""Clean-room GE2E speaker encoder (RTVC ``encoder/``): 16 kHz speech -> 256-d voice embedding.

Used to clone a voice from a reference recording and to measure how close two voices are.
"""

from .audio import AudioParams, normalize_volume, preprocess_wav, trim_long_silences, wav_to_mel_frames
from .encoder import SpeakerEncoder, SpeechLimits, compute_partial_slices, default_weights_path
from .model import GE2ENet, ModelParams

__all__ = [
    "AudioParams",
    "GE2ENet",
    "ModelParams",
    "SpeakerEncoder",
    "SpeechLimits",
    "compute_partial_slices",
    "default_weights_path",
    "normalize_volume",
    "preprocess_wav",
    "trim_long_silences",
    "wav_to_mel_frames",
]
