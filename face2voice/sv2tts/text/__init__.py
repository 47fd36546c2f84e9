"""Text front-end of the SV2TTS synthesizer: the exact symbol ids the released Tacotron was trained on.

The ids must match the training-time front-end bit for bit, otherwise the embedding table of a
pretrained checkpoint is indexed with the wrong rows; hence the faithful reproduction of the original
cleaners, quirks included (see ``cleaners``).
"""

from .cleaners import english_cleaners
from .sequence import sequence_to_text, text_to_sequence
from .symbols import EOS, PAD, SYMBOLS

__all__ = ["EOS", "PAD", "SYMBOLS", "english_cleaners", "sequence_to_text", "text_to_sequence"]
