"""Face2Voice: speak any text in a voice that fits a face.

    from face2voice import Face2Voice, VoiceControls
    f2v = Face2Voice.load()
    result = f2v.speak("examples/obama.jpg", "Hello there.", VoiceControls(seed=1))
"""

from .config import PipelineConfig, VoiceControls
from .errors import Face2VoiceError
from .pipeline import Face2Voice
from .results import FaceAnalysis, Result

__all__ = ["Face2Voice", "Face2VoiceError", "FaceAnalysis", "PipelineConfig", "Result", "VoiceControls"]
__version__ = "0.1.0"
