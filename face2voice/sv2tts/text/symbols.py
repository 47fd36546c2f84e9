"""The 66-symbol alphabet of the RTVC Tacotron.

The order is the embedding-row order of the pretrained checkpoint, so it is fixed forever:
pad ``_`` (0), end-of-sequence ``~`` (1), ``A-Z``, ``a-z``, punctuation, space.
"""

from __future__ import annotations

PAD = "_"
EOS = "~"
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_PUNCTUATION = "!'\"(),-.:;? "

SYMBOLS: tuple[str, ...] = (PAD, EOS, *_LETTERS, *_PUNCTUATION)
SYMBOL_TO_ID: dict[str, int] = {s: i for i, s in enumerate(SYMBOLS)}  # read-only by convention
PAD_ID = SYMBOL_TO_ID[PAD]
EOS_ID = SYMBOL_TO_ID[EOS]
