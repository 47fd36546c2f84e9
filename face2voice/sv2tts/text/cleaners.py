"""``english_cleaners``: the transcript normalisation the pretrained Tacotron was trained with.

Any deviation changes which symbols the model sees, so this reproduces the original pipeline
(transliterate, lowercase, numbers, abbreviations, whitespace) including its quirks: ``£`` becomes
"ps" before numbers are read, "Jan." is not expanded, characters unidecode cannot map are left for
``text_to_sequence`` to drop.
"""

from __future__ import annotations

import re

from unidecode import unidecode

from .numbers import normalize_numbers

_WHITESPACE = re.compile(r"\s+")

# Order matters: "mrs" must be tried before "mr".
_ABBREVIATIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"\b{abbr}\.", re.IGNORECASE), full)
    for abbr, full in (
        ("mrs", "misess"),
        ("mr", "mister"),
        ("dr", "doctor"),
        ("st", "saint"),
        ("co", "company"),
        ("jr", "junior"),
        ("maj", "major"),
        ("gen", "general"),
        ("drs", "doctors"),
        ("rev", "reverend"),
        ("lt", "lieutenant"),
        ("hon", "honorable"),
        ("sgt", "sergeant"),
        ("capt", "captain"),
        ("esq", "esquire"),
        ("ltd", "limited"),
        ("col", "colonel"),
        ("ft", "fort"),
    )
)


def expand_abbreviations(text: str) -> str:
    for pattern, replacement in _ABBREVIATIONS:
        text = pattern.sub(replacement, text)
    return text


def collapse_whitespace(text: str) -> str:
    """Runs of whitespace become one space; leading/trailing space is kept (callers strip lines)."""
    return _WHITESPACE.sub(" ", text)


def english_cleaners(text: str) -> str:
    text = unidecode(text)
    text = text.lower()
    text = normalize_numbers(text)
    text = expand_abbreviations(text)
    return collapse_whitespace(text)


CLEANERS = {"english_cleaners": english_cleaners}
