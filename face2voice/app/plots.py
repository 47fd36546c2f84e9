"""The app's figures (speaker embedding heatmap, voice-bank map, mel spectrogram) as RGB arrays.

Figures are built with the object-oriented Matplotlib API on an Agg canvas, never ``pyplot``:
pyplot keeps global figure state that is not safe across the queue's worker threads. Returning
plain RGB arrays (rather than ``gr.Plot``) makes them images that API clients can download and
tests can inspect.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..sv2tts.hparams import SignalParams
from ..voice_bank import VoiceBank

DPI = 100
LABEL_ROOM = (0.0, 0.0, 1.0, 0.9)  # keep the top 10 % free: Gradio draws its label badge there
FEMALE, MALE, TARGET, OUTPUT = "#d6457a", "#2f6fd6", "#111111", "#f0a020"


def _title(ax, title: str | None) -> None:
    """Titles are optional: in the app the component label names the figure, and a title drawn
    under Gradio's label badge would be half hidden; API users may still want one."""
    if title:
        ax.set_title(title, fontsize=9)


def _render(fig: Figure) -> np.ndarray:
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def embedding_heatmap(embedding: np.ndarray, title: str | None = None) -> np.ndarray:
    """16x16 heatmap of the 256 values, as the RTVC toolbox draws it, so voices can be compared by eye."""
    emb = np.asarray(embedding, dtype=np.float32).reshape(16, 16)
    fig = Figure(figsize=(3.4, 3.2), dpi=DPI)
    ax = fig.add_subplot()
    im = ax.imshow(emb, cmap="magma", vmin=0.0, vmax=max(0.2, float(np.abs(emb).max())))
    ax.set_xticks([])
    ax.set_yticks([])
    _title(ax, title)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04).ax.tick_params(labelsize=7)
    fig.tight_layout(rect=LABEL_ROOM)
    return _render(fig)


@dataclass(frozen=True)
class BankMap:
    """A fixed 2-D PCA of the voice bank's embeddings; points are projected, never re-fitted,
    so a voice lands in the same place on every request."""

    mean: np.ndarray
    axes: np.ndarray  # (2, 256)
    points: np.ndarray  # (N, 2)
    names: tuple[str, ...]
    is_female: np.ndarray

    @classmethod
    def fit(cls, bank: VoiceBank) -> BankMap:
        x = np.asarray(bank.embeddings, np.float64)
        mean = x.mean(axis=0)
        _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
        axes = vt[:2]
        return cls(mean, axes, (x - mean) @ axes.T, bank.names, np.asarray(bank.is_female))

    def project(self, embedding: np.ndarray) -> np.ndarray:
        return (np.asarray(embedding, np.float64) - self.mean) @ self.axes.T


def bank_projection(bank_map: BankMap, marks: list[tuple[str, np.ndarray, str]], title: str | None = None) -> np.ndarray:
    """Bank voices as dots (pink female, blue male) plus labelled stars for ``marks`` (label, embedding, colour)."""
    fig = Figure(figsize=(4.2, 3.9), dpi=DPI)
    ax = fig.add_subplot()
    pts = bank_map.points
    for mask, colour, label in ((bank_map.is_female, FEMALE, "female bank voice"), (~bank_map.is_female, MALE, "male bank voice")):
        ax.scatter(pts[mask, 0], pts[mask, 1], s=22, c=colour, alpha=0.55, label=label, edgecolors="none")
    for (x, y), name in zip(pts, bank_map.names):
        ax.annotate(name.split("_", 1)[-1], (x, y), fontsize=5.5, alpha=0.6, xytext=(2, 2), textcoords="offset points")
    for label, emb, colour in marks:
        x, y = bank_map.project(emb)
        ax.scatter([x], [y], s=170, marker="*", c=colour, edgecolors="white", linewidths=0.8, label=label, zorder=5)
    ax.set_xlabel("PCA 1", fontsize=8)
    ax.set_ylabel("PCA 2", fontsize=8)
    ax.tick_params(labelsize=7)
    _title(ax, title)
    # Below the axes: inside, it hides the very voices the map is meant to show.
    ax.legend(fontsize=6.5, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    fig.tight_layout(rect=LABEL_ROOM)
    return _render(fig)


def mel_figure(mel: np.ndarray, params: SignalParams = SignalParams(), title: str | None = None) -> np.ndarray:
    """(80, T) SV2TTS mel with time in seconds and the bands' centre frequencies in Hz."""
    import librosa

    mel = np.asarray(mel, dtype=np.float32)
    seconds = mel.shape[1] * params.hop_size / params.sample_rate
    freqs = librosa.mel_frequencies(n_mels=params.num_mels, fmin=params.fmin, fmax=params.fmax)
    fig = Figure(figsize=(7.0, 2.8), dpi=DPI)
    ax = fig.add_subplot()
    im = ax.imshow(mel, origin="lower", aspect="auto", cmap="viridis", extent=(0.0, seconds, 0, params.num_mels))
    ticks = [0, 16, 32, 48, 64, 79]
    ax.set_yticks([t + 0.5 for t in ticks])
    ax.set_yticklabels([f"{freqs[t]:.0f}" for t in ticks], fontsize=7)
    ax.set_xlabel("Time (s)", fontsize=8)
    ax.set_ylabel("Frequency (Hz)", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    _title(ax, title)
    fig.colorbar(im, ax=ax, pad=0.01).ax.tick_params(labelsize=7)
    fig.tight_layout(rect=LABEL_ROOM)
    return _render(fig)
