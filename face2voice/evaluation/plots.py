"""PNG figures of the report (matplotlib, Agg: no display needed, safe in threads and CI).

Every figure takes all backends at once so the same axes compare them side by side.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .collect import FaceRecord, Render
from .metrics import BackendMetrics, face_voices

FEMALE, MALE = "#d6336c", "#1c7ed6"
FACE_COLOURS = ("#e8590c", "#2f9e44", "#7048e8", "#f08c00", "#0c8599", "#c2255c", "#5c940d", "#364fc7")


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path, dpi: int = 110) -> Path:
    """Lay out, write and release a figure (pyplot keeps every open figure alive otherwise)."""
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    _plt().close(fig)
    return path


def _face_colour(i: int) -> str:
    return FACE_COLOURS[i % len(FACE_COLOURS)]


def _short(name: str) -> str:
    return Path(name).stem


def projection(path: Path, bank, faces: list[FaceRecord], renders: dict[str, list[Render]]) -> Path:
    """PCA (fit on the bank) of bank voices, each face's target embedding and each produced voice."""
    plt = _plt()
    emb = bank.embeddings.astype(np.float64)
    mean = emb.mean(0)
    _, _, vt = np.linalg.svd(emb - mean, full_matrices=False)
    axes2 = vt[:2].T

    def proj(x):
        return (np.asarray(x, np.float64) - mean) @ axes2

    backends = list(renders)
    fig, axs = plt.subplots(1, len(backends), figsize=(7.5 * len(backends), 6.5), squeeze=False)
    for ax, backend in zip(axs[0], backends):
        b = proj(emb)
        ax.scatter(b[bank.is_female, 0], b[bank.is_female, 1], c=FEMALE, s=22, alpha=0.45, label="bank voice (female)")
        ax.scatter(b[~bank.is_female, 0], b[~bank.is_female, 1], c=MALE, s=22, alpha=0.45, label="bank voice (male)")
        for (x, y), name in zip(b, bank.names):
            ax.annotate(name, (x, y), fontsize=6, alpha=0.55, xytext=(2, 2), textcoords="offset points")
        targets, voices = face_voices(faces, renders[backend])
        t, v = proj(targets), proj(voices)
        for i, face in enumerate(faces):
            c = _face_colour(i)
            ax.scatter(*t[i], marker="*", s=220, c=c, edgecolors="black", linewidths=0.6, zorder=3)
            ax.scatter(*v[i], marker="^", s=90, c=c, edgecolors="black", linewidths=0.6, zorder=3)
            ax.annotate("", xy=v[i], xytext=t[i], arrowprops={"arrowstyle": "->", "color": c, "lw": 1.2})
            ax.annotate(_short(face.name), t[i], fontsize=8, color=c, weight="bold", xytext=(5, -10), textcoords="offset points")
        ax.scatter([], [], marker="*", s=120, c="grey", edgecolors="black", label="face: target embedding")
        ax.scatter([], [], marker="^", s=60, c="grey", edgecolors="black", label="face: produced voice (GE2E)")
        ax.set_title(f"GE2E space, PCA of the voice bank — backend '{backend}'")
        ax.set_xlabel("PC 1")
        ax.set_ylabel("PC 2")
        ax.legend(fontsize=7, loc="best")
        ax.grid(alpha=0.2)
    return _save(fig, path)


def f0_vs_age(path: Path, faces: list[FaceRecord], metrics: dict[str, BackendMetrics]) -> Path:
    """Photos: perceived age vs median F0. Age control: F0 and speaking rate vs the requested age."""
    plt = _plt()
    backends = list(metrics)
    fig, axs = plt.subplots(len(backends), 3, figsize=(16, 4.6 * len(backends)), squeeze=False)
    index = {f.name: i for i, f in enumerate(faces)}
    for row, backend in zip(axs, backends):
        age = metrics[backend].age
        ax = row[0]
        for p in age.photos:
            face = faces[index[p.face]]
            ax.scatter(p.age, p.median_f0_hz, s=70, c=FEMALE if face.perceived_gender == "female" else MALE, edgecolors="black")
            ax.annotate(_short(p.face), (p.age, p.median_f0_hz), fontsize=8, xytext=(4, 4), textcoords="offset points")
        ax.set_title(f"[{backend}] photos: perceived age vs voice F0")
        ax.set_xlabel("perceived age (years)")
        ax.set_ylabel("median F0 of the voice (Hz)")
        for col, attr, label in ((1, "median_f0_hz", "median F0 (Hz)"), (2, "speaking_rate_sps", "speaking rate (syllables / s)")):
            ax = row[col]
            for face in faces:
                pts = sorted((p for p in age.control if p.face == face.name), key=lambda p: p.age)
                ax.plot([p.age for p in pts], [getattr(p, attr) for p in pts], "o-", c=_face_colour(index[face.name]), label=_short(face.name))
            ax.set_title(f"[{backend}] age control: {label.split(' (')[0]} of the same face")
            ax.set_xlabel("requested age (years)")
            ax.set_ylabel(label)
            ax.legend(fontsize=7)
        for ax in row:
            ax.grid(alpha=0.25)
    return _save(fig, path, dpi=100)


def matching_bars(path: Path, metrics: dict[str, BackendMetrics]) -> Path:
    """N-way matching accuracy per backend and direction, with chance as a dashed line."""
    plt = _plt()
    backends = list(metrics)
    keys = sorted({(r.n, r.direction) for m in metrics.values() for r in m.matching.results})
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(keys) * len(backends) + 2), 4.5))
    width = 0.8 / max(len(backends), 1)
    for b, backend in enumerate(backends):
        res = {(r.n, r.direction): r for r in metrics[backend].matching.results}
        xs = np.arange(len(keys)) + (b - (len(backends) - 1) / 2) * width
        vals = [res[k].accuracy if k in res else np.nan for k in keys]
        bars = ax.bar(xs, vals, width=width * 0.95, label=backend)
        for x, v in zip(xs, vals):
            ax.text(x, v + 0.02, f"{v:.2f}", ha="center", fontsize=8)
        del bars
    for i, (n, _) in enumerate(keys):
        ax.hlines(1 / n, i - 0.45, i + 0.45, colors="black", linestyles="--", lw=1)
    ax.set_xticks(np.arange(len(keys)), [f"N={n}\n{d}" for n, d in keys])
    ax.set_ylim(0, 1.12)
    ax.set_ylabel("accuracy (dashed: chance 1/N)")
    ax.set_title("Cross-modal N-way matching")
    ax.legend(fontsize=8)
    return _save(fig, path)


def similarity(path: Path, metrics: dict[str, BackendMetrics]) -> Path:
    """cos(target of face i, produced voice of face j): the matrix the matching test reads."""
    plt = _plt()
    backends = list(metrics)
    fig, axs = plt.subplots(1, len(backends), figsize=(5.8 * len(backends), 5), squeeze=False)
    for ax, backend in zip(axs[0], backends):
        m = metrics[backend].matching
        s = np.asarray(m.similarity)
        im = ax.imshow(s, cmap="viridis", vmin=min(0.5, float(s.min())), vmax=1.0)
        names = [_short(n) for n in m.faces]
        ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=8)
        ax.set_yticks(range(len(names)), names, fontsize=8)
        for i in range(len(names)):
            for j in range(len(names)):
                ax.text(j, i, f"{s[i, j]:.2f}", ha="center", va="center", fontsize=7, color="white" if s[i, j] < 0.8 else "black")
        ax.set_xlabel("produced voice of face")
        ax.set_ylabel("target embedding of face")
        ax.set_title(f"[{backend}] target vs produced voice (cosine)")
        fig.colorbar(im, ax=ax, fraction=0.046)
    return _save(fig, path)


def diversity(path: Path, metrics: dict[str, BackendMetrics]) -> Path:
    """Pairwise cosine between voices of different faces, next to distinct bank voices for scale."""
    plt = _plt()
    backends = list(metrics)
    fig, axs = plt.subplots(1, len(backends), figsize=(7 * len(backends), 4.5), squeeze=False)
    for ax, backend in zip(axs[0], backends):
        d = metrics[backend].diversity
        data, labels, colours = [], [], []
        for faces_g, bank_g in zip(d.faces, d.bank):
            data += [bank_g.values or [np.nan], faces_g.values or [np.nan]]
            labels += [f"bank\n{bank_g.group}", f"faces\n{faces_g.group}"]
            colours += ["#adb5bd", "#4c6ef5"]
        ax.boxplot(data, showfliers=False, widths=0.5)
        for i, (vals, c) in enumerate(zip(data, colours), 1):
            jitter = np.random.default_rng(i).uniform(-0.12, 0.12, len(vals))
            ax.scatter(i + jitter, vals, s=14 if c == "#adb5bd" else 40, c=c, alpha=0.7, zorder=3)
        ax.set_xticks(range(1, len(labels) + 1), labels, fontsize=8)
        ax.set_ylabel("cosine between two voices (GE2E)")
        ax.set_title(f"[{backend}] voice diversity (lower = more distinct)")
        ax.grid(alpha=0.25, axis="y")
    return _save(fig, path)
