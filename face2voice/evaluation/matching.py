"""Cross-modal N-way matching, the test face-to-speech papers report (e.g. Speech2Face, Face2Speech).

For a set of N faces and the N voices produced for them, face i "finds" its voice when the
pipeline's own target embedding of face i is more similar (cosine in GE2E space) to voice i than
to any other voice of the set. Accuracy is averaged over every N-face subset of the evaluated faces
(``itertools.combinations``) and every face in it, so with F faces there are C(F, N) * N trials.

Tie rule: when k voices share the highest similarity (to 1e-9) and the right one is among them the
trial scores 1/k, the expected accuracy of breaking the tie at random. This keeps chance at exactly
1/N even for degenerate inputs: identical voices for every face score 1/N, not 1 or 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

TIE_ATOL = 1e-9


@dataclass(frozen=True)
class NWayResult:
    n: int
    direction: str  # "face->voice" (row = a face's target) or "voice->face" (row = a produced voice)
    accuracy: float
    chance: float
    trials: int
    subsets: int


def similarity_matrix(targets: np.ndarray, voices: np.ndarray) -> np.ndarray:
    """``S[i, j] = cosine(target_i, voice_j)``."""
    t = targets / np.linalg.norm(targets, axis=1, keepdims=True)
    v = voices / np.linalg.norm(voices, axis=1, keepdims=True)
    return (t @ v.T).astype(np.float64)


def n_way_accuracy(sim: np.ndarray, n: int, direction: str = "face->voice") -> NWayResult:
    """Mean over subsets and rows of "the diagonal entry wins its row" (ties split, see module doc)."""
    sim = np.asarray(sim, dtype=np.float64)
    if direction == "voice->face":
        sim = sim.T
    k = sim.shape[0]
    if sim.shape != (k, k) or not 2 <= n <= k:
        raise ValueError(f"need a square similarity matrix with at least n={n} rows, got {sim.shape}")
    credit, trials, subsets = 0.0, 0, 0
    for subset in combinations(range(k), n):
        sub = sim[np.ix_(subset, subset)]
        subsets += 1
        for a in range(n):
            row = sub[a]
            top = np.abs(row - row.max()) <= TIE_ATOL
            credit += float(top[a]) / float(top.sum())
            trials += 1
    return NWayResult(n=n, direction=direction, accuracy=credit / trials, chance=1.0 / n, trials=trials, subsets=subsets)
