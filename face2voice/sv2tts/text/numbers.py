"""Spelling out numbers the way the Tacotron training transcripts were normalised.

The rules, and their order, are those of the original front-end (Keith Ito's tacotron cleaners as
used by RTVC). Order matters: commas go first so "1,000" is one number; dollars before decimals so
"$12.50" becomes dollars and cents; decimals before plain numbers. ``£`` is handled here too but is
unreachable in ``english_cleaners`` because unidecode has already turned it into "PS" -- kept so the
function behaves identically when used on its own.
"""

from __future__ import annotations

import re
from functools import lru_cache

import inflect

_COMMA_NUMBER = re.compile(r"([0-9][0-9,]+[0-9])")
_DECIMAL_NUMBER = re.compile(r"([0-9]+\.[0-9]+)")
_POUNDS = re.compile(r"£([0-9,]*[0-9]+)")
_DOLLARS = re.compile(r"\$([0-9.,]*[0-9]+)")
_ORDINAL = re.compile(r"[0-9]+(st|nd|rd|th)")
_NUMBER = re.compile(r"[0-9]+")


@lru_cache(maxsize=1)
def _engine() -> inflect.engine:
    # Built lazily: constructing an inflect engine is slow-ish and not needed at import time.
    return inflect.engine()


def _words(num: int | str, **kwargs: object) -> str:
    return _engine().number_to_words(num, **kwargs)


def _remove_commas(m: re.Match[str]) -> str:
    return m.group(1).replace(",", "")


def _expand_decimal_point(m: re.Match[str]) -> str:
    # Only "." -> " point "; the digits after it are later read as one integer
    # ("3.14159" -> "three point fourteen thousand, ..."), exactly like the training data.
    return m.group(1).replace(".", " point ")


def _expand_dollars(m: re.Match[str]) -> str:
    match = m.group(1)
    parts = match.split(".")
    if len(parts) > 2:
        return match + " dollars"  # unexpected format: left for the decimal rule
    dollars = int(parts[0]) if parts[0] else 0
    cents = int(parts[1]) if len(parts) > 1 and parts[1] else 0
    dollar_unit = "dollar" if dollars == 1 else "dollars"
    cent_unit = "cent" if cents == 1 else "cents"
    if dollars and cents:
        return f"{dollars} {dollar_unit}, {cents} {cent_unit}"
    if dollars:
        return f"{dollars} {dollar_unit}"
    if cents:
        return f"{cents} {cent_unit}"
    return "zero dollars"


def _expand_ordinal(m: re.Match[str]) -> str:
    # inflect's default andword "and" is kept ("one hundred and third"): that is what training saw.
    return _words(m.group(0))


def _expand_number(m: re.Match[str]) -> str:
    num = int(m.group(0))
    if 1000 < num < 3000:  # read as a year
        if num == 2000:
            return "two thousand"
        if 2000 < num < 2010:
            return "two thousand " + _words(num % 100)
        if num % 100 == 0:
            return _words(num // 100) + " hundred"
        return _words(num, andword="", zero="oh", group=2).replace(", ", " ")
    return _words(num, andword="")


def normalize_numbers(text: str) -> str:
    """Replace every digit run in ``text`` by English words (see module docstring for the rules)."""
    text = _COMMA_NUMBER.sub(_remove_commas, text)
    text = _POUNDS.sub(r"\1 pounds", text)
    text = _DOLLARS.sub(_expand_dollars, text)
    text = _DECIMAL_NUMBER.sub(_expand_decimal_point, text)
    text = _ORDINAL.sub(_expand_ordinal, text)
    text = _NUMBER.sub(_expand_number, text)
    return text
