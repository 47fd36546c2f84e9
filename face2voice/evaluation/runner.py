"""The evaluation entry point: folder of photos -> renders per backend -> metrics -> report files."""

from __future__ import annotations

import platform
import sys
from collections.abc import Callable
from pathlib import Path

from ..errors import Face2VoiceError
from . import plots
from .backends import check_backends, synthesize_for
from .collect import Synthesize, analyse_faces, find_faces, load_labels, render_backend
from .config import EvalConfig
from .metrics import compute
from .report import EvaluationReport, write_json, write_markdown

FIGURES = {
    "projection": "projection.png",
    "f0_vs_age": "f0_vs_age.png",
    "matching": "matching.png",
    "similarity": "similarity.png",
    "diversity": "diversity.png",
}


def evaluate(
    faces_dir: str | Path,
    out_dir: str | Path,
    backends: list[str] | tuple[str, ...] | None = None,
    *,
    pipeline=None,
    config: EvalConfig = EvalConfig(),
    labels: str | Path | None = None,
    markdown_path: str | Path | None = None,
    command: str | None = None,
    synthesize: Synthesize | None = None,
    progress: Callable[[str], None] = lambda _msg: None,
) -> EvaluationReport:
    """Evaluate every photo in ``faces_dir`` with each backend and write the report into ``out_dir``.

    ``backends`` None = every backend the pipeline has available. ``pipeline`` lets a caller (the
    test session, the app) reuse loaded models; otherwise they are loaded here and closed after.
    ``synthesize(backend, face, text, controls)`` replaces the default
    :func:`~face2voice.evaluation.backends.synthesize_for`, e.g. to evaluate an experimental
    backend before it is part of the pipeline. ``markdown_path`` defaults to ``out_dir/REPORT.md``;
    images are linked relative to wherever it is written.
    """
    faces_dir, out_dir = Path(faces_dir), Path(out_dir)
    photos = find_faces(faces_dir)  # user errors before model loading
    label_map = load_labels(Path(labels) if labels else None, faces_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise Face2VoiceError(f"Cannot create the report folder '{out_dir}': {exc.strerror or exc}.") from exc

    owned = pipeline is None
    if owned:
        from ..pipeline import Face2Voice

        progress("loading models")
        pipeline = Face2Voice.load()
    try:
        chosen = check_backends(pipeline, tuple(backends) if backends else None)
        synth = synthesize or (lambda b, face, text, controls: synthesize_for(pipeline, b, face, text, controls))
        progress(f"analysing {len(photos)} photos")
        faces, skipped = analyse_faces(pipeline, photos, label_map)
        renders = {b: tuple(render_backend(synth, pipeline.embed_reference_voice, b, faces, config, progress)) for b in chosen}
        metrics = {b: compute(b, faces, list(rs), pipeline.bank, config) for b, rs in renders.items()}
        progress("plotting")
        figures = {
            "projection": plots.projection(out_dir / FIGURES["projection"], pipeline.bank, faces, {b: list(r) for b, r in renders.items()}),
            "f0_vs_age": plots.f0_vs_age(out_dir / FIGURES["f0_vs_age"], faces, metrics),
            "matching": plots.matching_bars(out_dir / FIGURES["matching"], metrics),
            "similarity": plots.similarity(out_dir / FIGURES["similarity"], metrics),
            "diversity": plots.diversity(out_dir / FIGURES["diversity"], metrics),
        }
        load_s = float(getattr(pipeline, "load_seconds", 0.0))
    finally:
        if owned:
            pipeline.close()

    report = EvaluationReport(
        config=config,
        faces_dir=str(faces_dir),
        faces=tuple(faces),
        skipped=tuple(skipped),
        backends=metrics,
        figures={**{k: p.name for k, p in figures.items()}, "json": "report.json"},
        model_load_s=load_s,
        environment=_environment(),
        renders=renders,
    )
    write_json(report, out_dir / "report.json")
    md = Path(markdown_path) if markdown_path else out_dir / "REPORT.md"
    md.parent.mkdir(parents=True, exist_ok=True)
    write_markdown(report, md, out_dir, command)
    return report


def _environment() -> dict[str, str]:
    import os

    from .. import __version__

    return {
        "face2voice": __version__,
        "python": sys.version.split()[0],
        "platform": f"{platform.system()} {platform.machine()}",
        "cpus": str(os.cpu_count()),
    }


__all__ = ["FIGURES", "evaluate"]
