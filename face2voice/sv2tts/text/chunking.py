"""Splitting long text into utterances the Tacotron can say in one go.

The pretrained synthesizer was trained on utterances of at most 900 frames (~11 s) and its
attention degrades on long inputs (users report skipped words and speed-up beyond ~120 characters,
RTVC#459/#636/#604); generation is also capped at 2000 frames. So text is cut into chunks of at most
``max_chars`` *cleaned* characters (what the model actually reads: "$1,250" is 4 characters typed
but ~40 spoken), preferring the most natural boundary available:

1. line breaks (always a boundary),
2. sentence ends (``. ! ?``, not after abbreviations such as "Dr." that the cleaners expand),
3. clause punctuation (``, ; :`` and dashes),
4. word boundaries,
5. as a last resort, a hard cut inside an over-long "word".

At a typical 12-15 spoken characters per second, 150 characters is ~10-12 s (~800-1000 frames of
12.5 ms), close to the training maximum and far below the 2000-frame generation cap.

Adjacent short sentences of the same line are packed together up to the cap, because very short
inputs are another known failure mode (gaps and noise). Chunks with nothing speakable (empty,
whitespace, or only symbols the alphabet drops) are discarded; the original app passed empty lines
to the model, which then babbled.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from .cleaners import english_cleaners

DEFAULT_MAX_CHARS = 150

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]]*(?=\s)")
_CLAUSE_END = re.compile(r"(?:[,;:]|\s[-\u2013\u2014]+)(?=\s)|[\u2013\u2014]")
_NOT_SENTENCE_END = re.compile(
    r"(?:\b(?:mrs|mr|dr|st|co|jr|maj|gen|drs|rev|lt|hon|sgt|capt|esq|ltd|col|ft|vs|etc|e\.g|i\.e)|\b[A-Za-z])\.$",
    re.IGNORECASE,
)
_SPEAKABLE = re.compile(r"[A-Za-z0-9]")


def _spoken_length(text: str) -> int:
    return len(english_cleaners(text).strip())


def _cut_after(text: str, pattern: re.Pattern[str], veto: Callable[[str], bool] | None = None) -> list[str]:
    pieces, start = [], 0
    for m in pattern.finditer(text):
        end = m.end()
        if veto is not None and veto(text[start:end]):
            continue
        pieces.append(text[start:end].strip())
        start = end
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]


def _sentences(line: str) -> list[str]:
    return _cut_after(line, _SENTENCE_END, veto=lambda piece: bool(_NOT_SENTENCE_END.search(piece)))


def _hard_cut(word: str, max_chars: int) -> list[str]:
    return [word[i:i + max_chars] for i in range(0, len(word), max_chars)]


def _pack(pieces: Iterable[str], max_chars: int) -> list[str]:
    """Greedily join consecutive pieces (with a space) while the spoken length stays within the cap."""
    chunks: list[str] = []
    for piece in pieces:
        if chunks and _spoken_length(chunks[-1] + " " + piece) <= max_chars:
            chunks[-1] = chunks[-1] + " " + piece
        else:
            chunks.append(piece)
    return chunks


def _fit(text: str, max_chars: int, level: int = 0) -> list[str]:
    """Split ``text`` at the coarsest boundary kind that brings every piece under the cap."""
    if _spoken_length(text) <= max_chars:
        return [text]
    splitters: tuple[Callable[[str], list[str]], ...] = (
        _sentences,
        lambda t: _cut_after(t, _CLAUSE_END),
        str.split,
        lambda t: _hard_cut(t, max_chars),
    )
    for depth in range(level, len(splitters)):
        pieces = splitters[depth](text)
        if len(pieces) > 1 or depth == len(splitters) - 1:
            fitted = [sub for piece in pieces for sub in _fit(piece, max_chars, depth + 1)]
            return _pack(fitted, max_chars)
    return [text]  # unreachable: the hard cut always splits


def split_into_chunks(text: str, max_chars: int = DEFAULT_MAX_CHARS) -> list[str]:
    """Utterance-sized chunks of ``text`` (raw, uncleaned), each at most ``max_chars`` spoken characters.

    A single number whose spoken form alone exceeds the cap cannot be split and is returned whole.
    """
    if max_chars < 1:
        raise ValueError("max_chars must be positive")
    chunks: list[str] = []
    for line in _LINE_BREAK.split(text):
        line = line.strip()
        if not line:
            continue
        sentences = [s for s in _sentences(line) if s]
        fitted = [piece for sentence in sentences for piece in _fit(sentence, max_chars, 1)]
        chunks.extend(_pack(fitted, max_chars))
    return [c for c in chunks if _SPEAKABLE.search(english_cleaners(c))]
