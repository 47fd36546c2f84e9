"""User-facing error types.

Every failure a user can cause (bad photo, bad text, bad checkpoint) is raised as a
:class:`Face2VoiceError` whose message is written for the person, not the developer.
The CLI and the Gradio app print ``str(err)`` and never a traceback, so the message must
say what was wrong and what to do about it.
"""

from __future__ import annotations


class Face2VoiceError(Exception):
    """Base class: ``code`` is stable for programs, ``str()`` is for people."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        if code is not None:
            self.code = code


class ImageError(Face2VoiceError):
    """The input is not a usable image (not an image, truncated, too small, too large)."""

    code = "bad_image"


class FaceError(Face2VoiceError):
    """No usable face in an otherwise valid image."""

    code = "no_face"


class TextError(Face2VoiceError):
    """The text cannot be spoken (empty, too long, nothing speakable left)."""

    code = "bad_text"


class AudioError(Face2VoiceError):
    """A reference voice recording is unusable (unreadable, silent, too short)."""

    code = "bad_audio"


class CheckpointError(Face2VoiceError):
    """A model file is missing, unreadable or does not match the expected architecture."""

    code = "bad_checkpoint"


class ModelAssetError(Face2VoiceError):
    """A model shipped with an installed package is missing or altered (bad install)."""

    code = "bad_install"
