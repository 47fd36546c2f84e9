"""Text <-> symbol-id conversion for the Tacotron embedding table.

``{...}`` segments were ARPAbet in the original front-end, mapped to ``@``-prefixed symbols that are
not part of the 66-symbol alphabet; they therefore vanish, and so they do here. One deliberate
deviation: the original brace regex did not match across newlines, which silently dropped the text
after a newline that followed a ``{...}`` block; we match across newlines (no fixture depends on it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .cleaners import CLEANERS
from .symbols import EOS, EOS_ID, PAD, SYMBOL_TO_ID, SYMBOLS

_CURLY = re.compile(r"(.*?)\{(.+?)\}(.*)", re.DOTALL)


def _clean(text: str, cleaner_names: Iterable[str]) -> str:
    for name in cleaner_names:
        try:
            cleaner = CLEANERS[name]
        except KeyError:
            raise ValueError(f"unknown cleaner {name!r}; available: {sorted(CLEANERS)}") from None
        text = cleaner(text)
    return text


def _symbols_to_ids(text: str) -> list[int]:
    # Out-of-alphabet characters (and the reserved pad/EOS) are dropped, as in training.
    return [SYMBOL_TO_ID[c] for c in text if c in SYMBOL_TO_ID and c not in (PAD, EOS)]


def text_to_sequence(text: str, cleaner_names: Sequence[str] = ("english_cleaners",)) -> list[int]:
    """Clean ``text`` and return its symbol ids, always terminated by the EOS id."""
    ids: list[int] = []
    while text:
        m = _CURLY.match(text)
        if m is None:
            ids += _symbols_to_ids(_clean(text, cleaner_names))
            break
        ids += _symbols_to_ids(_clean(m.group(1), cleaner_names))
        text = m.group(3)  # the ARPAbet in group 2 has no symbols in this alphabet
    ids.append(EOS_ID)
    return ids


def sequence_to_text(ids: Iterable[int]) -> str:
    return "".join(SYMBOLS[i] for i in ids if 0 <= i < len(SYMBOLS))
