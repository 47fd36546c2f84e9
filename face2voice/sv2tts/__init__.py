"""Clean-room SV2TTS (RTVC) components that load the original checkpoints.

Submodules are imported on demand (``from face2voice.sv2tts.tacotron import Tacotron``) so that
importing the package stays cheap and independent modules (synthesizer, vocoder, encoders) can be
used without pulling each other's dependencies in.
"""
