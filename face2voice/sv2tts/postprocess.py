"""The Face2Voice app's waveform post-processing, reproduced for comparison with the original.

After vocoding the concatenated per-line mels once, the app cut the waveform back at the lines'
frame boundaries, put 0.15 s of silence after every line (the last one too) and peak-normalised to
0.97. Keeping this separate from the models lets it be tested exactly against the original
(``app_inference_postprocess`` fixture) with stub inputs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def split_lines_face2voice(text: str) -> list[str]:
    """The app's line split: on ``\\r\\n`` only (browser textarea line endings), empty lines kept.

    Faithful to the original, for parity; new code should prefer
    :func:`face2voice.sv2tts.text.chunking.split_into_chunks`.
    """
    return text.split("\r\n")


def segment_bounds(frame_counts: Sequence[int], hop_size: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """Sample (start, end) of each line's audio: cumulative ``frames * hop`` boundaries."""
    ends = np.cumsum(np.asarray(frame_counts, dtype=np.int64) * hop_size)
    starts = np.concatenate(([0], ends[:-1])).astype(np.int64)
    return starts, ends


def join_with_silence(wav: np.ndarray, frame_counts: Sequence[int], *, hop_size: int = 200,
                      sample_rate: int = 16_000, gap_seconds: float = 0.15, peak: float = 0.97) -> np.ndarray:
    """Cut ``wav`` per line, append ``gap_seconds`` of zeros after each piece, peak-normalise.

    The vocoder returns (frames - 1) * hop samples, so the last piece is one hop short, as in the
    original. A silent result is returned unscaled instead of dividing by zero.
    """
    if len(frame_counts) == 0:
        return np.zeros(0, dtype=np.float64)
    starts, ends = segment_bounds(frame_counts, hop_size)
    gap = np.zeros(int(gap_seconds * sample_rate))
    pieces: list[np.ndarray] = []
    for start, end in zip(starts, ends):
        pieces.append(wav[start:end])
        pieces.append(gap)
    out = np.concatenate(pieces)
    top = np.abs(out).max()
    if top == 0:
        return out
    return out / top * peak
