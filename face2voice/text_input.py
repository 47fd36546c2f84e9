"""Validating user text and cutting it into sentences the synthesizers can handle.

Both synthesizers degrade on long inputs (Kokoro caps a window at 510 phonemes; Tacotron's
attention fails past ~120 characters), so every backend speaks sentence by sentence and joins the
pieces with short pauses. The voice models are English-only: text in other scripts is refused
with a clear message rather than spoken as gibberish.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .errors import TextError

MAX_TEXT_CHARS = 5000
MAX_SENTENCE_CHARS = 280

_SENTENCE_END = re.compile(r"(?<=[.!?;:])[\"')\]]*\s+|\n+")
_SOFT_BREAK = re.compile(r"(?<=[,;:\u2014\u2013-])\s+")


@dataclass(frozen=True)
class PreparedText:
    sentences: tuple[str, ...]
    notes: tuple[str, ...] = field(default=())  # what we changed, to tell the user

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


def prepare_text(text: str, max_chars: int = MAX_TEXT_CHARS, max_sentence_chars: int = MAX_SENTENCE_CHARS) -> PreparedText:
    """Clean ``text`` and split it into sentences, or raise :class:`TextError` saying why not."""
    if text is None or not str(text).strip():
        raise TextError("Please enter some text to speak (the text is empty).", code="empty_text")
    text = unicodedata.normalize("NFKC", str(text))
    if len(text) > max_chars:
        raise TextError(
            f"The text is {len(text):,} characters long; the limit is {max_chars:,}. "
            "Please shorten it or split it into several requests.",
            code="text_too_long",
        )
    notes: list[str] = []
    kept, dropped_symbols, foreign = [], 0, set()
    for ch in text:
        cat = unicodedata.category(ch)
        if cat.startswith("L") and not _is_latin(ch):
            foreign.add(_script_name(ch))
            kept.append(" ")
        elif cat in ("So", "Sk", "Cs", "Co", "Cn") or (cat.startswith("C") and ch not in "\n\t"):
            dropped_symbols += 1
            kept.append(" ")
        else:
            kept.append(ch)
    cleaned = "".join(kept)
    has_latin = any(_is_latin(c) and c.isalpha() for c in cleaned)
    if not has_latin and not any(c.isdigit() for c in cleaned):
        if foreign:
            raise TextError(
                f"Only English text is supported; this text is written in {', '.join(sorted(foreign))} script. "
                "Please enter English text.",
                code="unsupported_language",
            )
        raise TextError("The text has no words to speak (only symbols or emoji).", code="nothing_to_speak")
    if foreign:
        notes.append(f"Skipped words in {', '.join(sorted(foreign))} script: only English is spoken.")
    if dropped_symbols:
        notes.append(f"Skipped {dropped_symbols} emoji/symbol character(s).")
    sentences = split_sentences(cleaned, max_sentence_chars)
    if not sentences:
        raise TextError("The text has no words to speak.", code="nothing_to_speak")
    return PreparedText(tuple(sentences), tuple(notes))


def split_sentences(text: str, max_chars: int = MAX_SENTENCE_CHARS) -> list[str]:
    """Sentences, with over-long ones cut at clause breaks, then between words."""
    out: list[str] = []
    for raw in _SENTENCE_END.split(text):
        sentence = " ".join(raw.split())
        if not any(c.isalnum() for c in sentence):
            continue
        out.extend(_cut(sentence, max_chars))
    return out


def _cut(sentence: str, max_chars: int) -> list[str]:
    if len(sentence) <= max_chars:
        return [sentence]
    pieces: list[str] = []
    for clause in _SOFT_BREAK.split(sentence):
        if pieces and len(pieces[-1]) + 1 + len(clause) <= max_chars:
            pieces[-1] = f"{pieces[-1]} {clause}"
        elif len(clause) <= max_chars:
            pieces.append(clause)
        else:
            pieces.extend(_cut_words(clause, max_chars))
    return pieces


def _cut_words(clause: str, max_chars: int) -> list[str]:
    pieces, current = [], ""
    for word in clause.split():
        word = word[:max_chars]
        if current and len(current) + 1 + len(word) > max_chars:
            pieces.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        pieces.append(current)
    return pieces


def _is_latin(ch: str) -> bool:
    if ord(ch) < 0x250:  # Basic Latin .. Latin Extended-B
        return True
    return "LATIN" in unicodedata.name(ch, "")


def _script_name(ch: str) -> str:
    name = unicodedata.name(ch, "")
    for script in ("CJK", "HIRAGANA", "KATAKANA", "HANGUL", "CYRILLIC", "GREEK", "ARABIC", "HEBREW", "DEVANAGARI", "THAI"):
        if name.startswith(script) or f" {script}" in name:
            return {"CJK": "Chinese/Japanese (CJK)", "HIRAGANA": "Japanese", "KATAKANA": "Japanese", "HANGUL": "Korean"}.get(
                script, script.title()
            )
    return "non-Latin"
