"""Write the evaluation as JSON (for machines) and Markdown (for people, with the PNG figures).

Both are generated from the same :class:`EvaluationReport`, so a figure quoted in the README is
the figure in the JSON. Floats that could not be measured (NaN) become ``null`` / "n/a".
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .collect import FaceRecord, Render, Skipped
from .config import EvalConfig
from .metrics import BackendMetrics

SCHEMA = "face2voice.evaluation/1"


@dataclass(frozen=True)
class EvaluationReport:
    config: EvalConfig
    faces_dir: str
    faces: tuple[FaceRecord, ...]
    skipped: tuple[Skipped, ...]
    backends: dict[str, BackendMetrics]
    figures: dict[str, str]  # figure name -> file name inside the output folder
    model_load_s: float
    environment: dict[str, str]
    renders: dict[str, tuple[Render, ...]] = field(default_factory=dict, repr=False)

    def to_dict(self) -> dict:
        faces = [
            {
                "name": f.name,
                "faces_found": f.faces_found,
                "p_female": f.p_female,
                "perceived_gender": f.perceived_gender,
                "perceived_age": f.age,
                "ambiguous": f.ambiguous(self.config.ambiguous_band),
                "annotated_gender": f.annotated_gender,
                "annotated_age": f.annotated_age,
            }
            for f in self.faces
        ]
        voices = {
            b: {
                f.name: {
                    "target_embedding": _mean_unit([r.target for r in rs if r.face == f.name and r.control_age is None]),
                    "output_embedding": _mean_unit([r.output for r in rs if r.face == f.name and r.control_age is None]),
                    "bank_voices": [list(v) for v in next(r.voices for r in rs if r.face == f.name and r.control_age is None)],
                }
                for f in self.faces
            }
            for b, rs in self.renders.items()
        }
        return _clean(
            {
                "schema": SCHEMA,
                "faces_dir": self.faces_dir,
                "config": dataclasses.asdict(self.config),
                "environment": self.environment,
                "model_load_s": self.model_load_s,
                "faces": faces,
                "skipped": [dataclasses.asdict(s) for s in self.skipped],
                "backends": {b: dataclasses.asdict(m) for b, m in self.backends.items()},
                "voices": voices,
                "figures": self.figures,
            }
        )


def _mean_unit(vectors) -> list[float]:
    v = np.mean(np.asarray(vectors, np.float64), axis=0)
    return [round(float(x), 5) for x in v / (np.linalg.norm(v) or 1.0)]


def _clean(obj):
    """JSON-safe: NaN/inf -> None, numpy scalars -> Python, tuples -> lists, floats rounded."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _clean(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        x = float(obj)
        return None if not math.isfinite(x) else round(x, 5)
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, Path):
        return str(obj)
    return obj


def write_json(report: EvaluationReport, path: Path) -> Path:
    path.write_text(json.dumps(report.to_dict(), indent=1) + "\n", encoding="utf-8")
    return path


# -- Markdown -----------------------------------------------------------------------------------


def _f(x, digits: int = 3, pct: bool = False) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{100 * x:.0f} %" if pct else f"{x:.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out + [""]


def _nway(m: BackendMetrics, n: int, direction: str = "face->voice"):
    return next((r for r in m.matching.results if r.n == n and r.direction == direction), None)


def headline(report: EvaluationReport) -> list[tuple[str, dict[str, str]]]:
    """The few numbers worth quoting, per backend (also used for the README snippet)."""
    rows: list[tuple[str, dict[str, str]]] = []

    def add(label, fn):
        rows.append((label, {b: fn(m) for b, m in report.backends.items()}))

    ge2e = lambda m: m.gender.judges[0]  # noqa: E731
    f0 = lambda m: m.gender.judges[1]  # noqa: E731
    add("gender agreement, GE2E judge (confident faces / all)", lambda m: f"{_f(ge2e(m).agreement_confident, pct=True)} / {_f(ge2e(m).agreement_all, pct=True)}")
    add("gender agreement, F0 judge (confident faces / all)", lambda m: f"{_f(f0(m).agreement_confident, pct=True)} / {_f(f0(m).agreement_all, pct=True)}")
    if any(j.agreement_annotated is not None for m in report.backends.values() for j in m.gender.judges):
        add("voice gender vs annotated gender (GE2E judge)", lambda m: _f(ge2e(m).agreement_annotated, pct=True))
    add("voice match cos(target, output): mean (min)", lambda m: f"{_f(m.voice_match.mean)} ({_f(m.voice_match.minimum)})")
    for n in report.config.matching_sizes:
        if n <= len(report.faces):
            add(
                f"{n}-way matching face→voice (chance {1 / n:.2f})",
                lambda m, n=n: f"{_f(_nway(m, n).accuracy, 2)} ({_nway(m, n).trials} trials)",
            )
    add("age control: Spearman(age, F0 ratio)", lambda m: _f(m.age.control_correlations[0].spearman, 2))
    add("age control: Spearman(applied pitch, measured F0 ratio)", lambda m: _f(m.age.control_correlations[2].spearman, 2))
    add("photos: Spearman(perceived age, F0)", lambda m: _f(m.age.photo_correlations[0].spearman, 2))
    add(
        "diversity: mean cosine between voices, same gender (bank: distinct voices)",
        lambda m: "; ".join(
            f"{fs.group} {_f(fs.mean)} ({_f(bs.mean)})" for fs, bs in zip(m.diversity.faces[:2], m.diversity.bank[:2]) if fs.n
        ),
    )
    add("WER, pocketsphinx (all sentences)", lambda m: _f(m.intelligibility.overall, pct=True) if m.intelligibility else "not run")
    add("real-time factor: synthesis / whole request", lambda m: f"{_f(m.speed.rtf_synthesis, 2)} / {_f(m.speed.rtf_request, 2)}")
    return rows


def _headline_lines(report: EvaluationReport) -> list[str]:
    backends = list(report.backends)
    return _table(["measure"] + backends, [[label] + [vals[b] for b in backends] for label, vals in headline(report)])


def _figure(md_dir: Path, out_dir: Path, report: EvaluationReport, key: str, alt: str) -> list[str]:
    if key not in report.figures:
        return []
    rel = os.path.relpath(out_dir / report.figures[key], md_dir).replace(os.sep, "/")
    return [f"![{alt}]({rel})", ""]


def write_markdown(report: EvaluationReport, path: Path, out_dir: Path, command: str | None = None) -> Path:
    md_dir = path.parent
    cfg = report.config
    L: list[str] = ["# Face2Voice evaluation", ""]
    L += [
        f"Generated by `{command or 'face2voice evaluate'}` on {len(report.faces)} photos from `{report.faces_dir}`, "
        f"backends: {', '.join(report.backends)}. Machine-readable: `{report.figures.get('json', 'report.json')}`. "
        f"Environment: {', '.join(f'{k} {v}' for k, v in report.environment.items())}.",
        "",
        "Sentences (Harvard list 1; every face speaks each once per backend): "
        + " / ".join(f"“{s}”" for s in cfg.sentences),
        "",
        "## Headline",
        "",
    ]
    L += _headline_lines(report)

    L += ["## Faces", "", f"Perceived by the face stage; *ambiguous* = P(female) in {cfg.ambiguous_band} (gets an in-between voice by design).", ""]
    rows = []
    for f in report.faces:
        notes = []
        if f.ambiguous(cfg.ambiguous_band):
            notes.append("ambiguous")
        if f.annotated_gender and f.annotated_gender != f.perceived_gender:
            notes.append(f"**perception error: annotated {f.annotated_gender}**")
        if f.faces_found > 1:
            notes.append(f"{f.faces_found} faces, largest used")
        rows.append([f.name, _f(f.p_female, 2), f.perceived_gender, f"{f.age:.0f}", f.annotated_gender or "—", ", ".join(notes)])
    L += _table(["photo", "P(female)", "perceived gender", "perceived age", "annotated gender", "notes"], rows)
    for s in report.skipped:
        L += [f"- skipped `{s.name}`: {s.reason}"]
    if report.skipped:
        L += [""]

    for backend, m in report.backends.items():
        L += [f"## Backend `{backend}`", ""]
        # gender
        L += ["### Gender consistency", ""]
        L += [
            "The voice's gender is judged twice: in GE2E space (nearer the female or the male centroid of the "
            f"voice bank) and by median F0 (pYIN) against {m.gender.f0_threshold_hz:.0f} Hz, the midpoint of the bank's mean "
            "female and mean male F0. *Bank accuracy* is each judge's accuracy on the bank's own labelled voices.",
            "",
        ]
        L += _table(
            ["judge", "rule", "bank accuracy", "agreement, confident faces", "agreement, all faces", "vs annotated gender"],
            [
                [j.name, j.rule, _f(j.bank_accuracy, pct=True), _f(j.agreement_confident, pct=True), _f(j.agreement_all, pct=True), _f(j.agreement_annotated, pct=True)]
                for j in m.gender.judges
            ],
        )
        for j in m.gender.judges:
            L += [f"Confusion, judge `{j.name}` (rows: face gender, columns: voice gender):", ""]
            conf_rows = [[f"perceived {g}"] + [str(j.confusion[g][h]) for h in ("female", "male")] for g in ("female", "male")]
            if j.agreement_annotated is not None:
                conf_rows += [[f"annotated {g}"] + [str(j.confusion_annotated[g][h]) for h in ("female", "male")] for g in ("female", "male")]
            L += _table(["", "voice female", "voice male"], conf_rows)
        L += _table(
            ["photo", "GE2E margin (cos F − cos M)", "median F0 (Hz)", "voice by GE2E", "voice by F0"],
            [
                [f.name, _f(m.gender.judges[0].margin[f.name]), _f(next(p.median_f0_hz for p in m.age.photos if p.face == f.name), 0),
                 m.gender.judges[0].voice_gender[f.name], m.gender.judges[1].voice_gender[f.name]]
                for f in report.faces
            ],
        )
        if m.gender.perception_errors:
            L += [
                f"Faces the attribute model mis-gendered (vs annotation): {', '.join(m.gender.perception_errors)}. "
                "Agreement with the *perceived* gender counts these as consistent; the annotated row shows the cost.",
                "",
            ]
        # age
        L += ["### Age consistency", ""]
        L += _table(
            ["photo", "perceived age", "median F0 (Hz)", "speaking rate (syll/s)", "applied pitch ×", "applied rate ×"],
            [[p.face, f"{p.age:.0f}", _f(p.median_f0_hz, 0), _f(p.speaking_rate_sps, 2), _f(p.pitch_factor), _f(p.rate_factor)] for p in m.age.photos],
        )
        L += _table(
            ["photos: x", "y", "n", "Spearman", "Pearson"],
            [[c.x, c.y, str(c.n), _f(c.spearman, 2), _f(c.pearson, 2)] for c in m.age.photo_correlations],
        )
        L += [
            f"Age control: each face re-voiced at ages {', '.join(f'{a:g}' for a in cfg.control_ages)} (sentence 1); "
            f"ratios are against the same face at {cfg.reference_age:g} (no shaping), geometric mean over faces:",
            "",
        ]
        L += _table(
            ["requested age", "F0 ratio", "speaking-rate ratio"],
            [[a, _f(m.age.control_mean_f0_ratio[a]), _f(m.age.control_mean_rate_ratio[a])] for a in m.age.control_mean_f0_ratio],
        )
        L += _table(
            ["age control: x", "y", "n", "Spearman", "Pearson"],
            [[c.x, c.y, str(c.n), _f(c.spearman, 2), _f(c.pearson, 2)] for c in m.age.control_correlations],
        )
        # voice match + matching
        L += ["### Voice match and cross-modal matching", ""]
        L += [
            "Voice match = cos(target speaker embedding, GE2E of the produced audio), mean over sentences. "
            "N-way matching: for every N-subset of faces and every face in it, is the face's target embedding nearest "
            "its own produced voice (face→voice), and is each voice nearest its own face's target (voice→face)? "
            "Ties split credit 1/k (chance stays 1/N).",
            "",
        ]
        L += _table(["photo", "voice match", "bank voices (weight)"], [
            [f.name, _f(m.voice_match.per_face[f.name]), ", ".join(f"{n} {w:.2f}" for n, w in next(r.voices for r in report.renders.get(backend, ()) if r.face == f.name))]
            if report.renders.get(backend) else [f.name, _f(m.voice_match.per_face[f.name]), ""]
            for f in report.faces
        ])
        L += _table(
            ["N", "direction", "accuracy", "chance", "trials", "subsets"],
            [[str(r.n), r.direction, _f(r.accuracy, 2), _f(r.chance, 2), str(r.trials), str(r.subsets)] for r in m.matching.results],
        )
        # diversity
        L += ["### Diversity", ""]
        L += _table(
            ["pair group", "face pairs", "mean", "min", "max", "bank pairs", "bank mean", "bank max"],
            [[fs.group, str(fs.n), _f(fs.mean), _f(fs.minimum), _f(fs.maximum), str(bs.n), _f(bs.mean), _f(bs.maximum)] for fs, bs in zip(m.diversity.faces, m.diversity.bank)],
        )
        if m.diversity.near_duplicates:
            L += ["Face pairs more alike than any two distinct same-gender bank voices: " + ", ".join(f"{a} / {b} ({c:.3f})" for a, b, c in m.diversity.near_duplicates), ""]
        else:
            L += ["No two faces' voices are more alike than the most similar pair of distinct same-gender bank voices.", ""]
        # intelligibility
        L += ["### Intelligibility", ""]
        if m.intelligibility is None:
            L += ["Not run.", ""]
        else:
            L += [f"pocketsphinx (default en-us model) WER over all sentences: **{_f(m.intelligibility.overall, pct=True)}**.", ""]
            L += _table(["photo", "WER", "transcripts"], [[f.name, _f(m.intelligibility.per_face[f.name], pct=True), " / ".join(m.intelligibility.transcripts[f.name])] for f in report.faces])
        # speed
        L += ["### Speed", ""]
        sp = m.speed
        L += _table(
            ["stage", "runs", "mean latency (s)"],
            [[k, "per photo", _f(v)] for k, v in sp.face_stages_s.items()] + [[k, "per sentence", _f(v)] for k, v in sp.synthesis_stages_s.items()],
        )
        L += [
            f"Mean sentence audio {sp.mean_audio_s:.2f} s; real-time factor (compute s per audio s) synthesis **{sp.rtf_synthesis:.2f}**, "
            f"whole one-sentence request **{sp.rtf_request:.2f}** ({sp.renders} renders; model loading {report.model_load_s:.1f} s once, not included).",
            "",
        ]

    L += ["## Figures", ""]
    L += _figure(md_dir, out_dir, report, "projection", "GE2E projection of bank voices, face targets and produced voices")
    L += _figure(md_dir, out_dir, report, "f0_vs_age", "F0 and speaking rate vs age")
    L += _figure(md_dir, out_dir, report, "matching", "N-way matching accuracy")
    L += _figure(md_dir, out_dir, report, "similarity", "target vs produced voice similarity")
    L += _figure(md_dir, out_dir, report, "diversity", "pairwise voice similarity")

    n = len(report.faces)
    L += [
        "## What these figures can and cannot say",
        "",
        f"- {n} photos: every rate here moves in steps of 1/{n} (or 1/trials); "
        f"N={max(cfg.matching_sizes)} matching has {math.comb(n, max(cfg.matching_sizes)) if max(cfg.matching_sizes) <= n else 0} subset(s). "
        "Treat them as regression checks, not population estimates.",
        "- Gender agreement is against the *perceived* gender; where annotations exist the annotated row shows how perception errors carry into the voice.",
        "- Correlations over the photos have n = number of photos and span the ages the photos happen to have; the age-control sweep is the measurable part.",
        "- The target embedding is the backend's own design, so the matching test measures whether the produced voices keep the faces apart, not whether a listener would pick the same voice for the face.",
        "- WER is from pocketsphinx, a weak recogniser: compare voices and backends with it, do not read it as absolute intelligibility.",
        "- Latency and real-time factor depend on the machine and on what else it was running; compare backends within one report, not across reports.",
        "",
    ]
    path.write_text("\n".join(L), encoding="utf-8")
    return path


def readme_snippet(report: EvaluationReport, command: str, link: str) -> str:
    """A short paragraph with the command and the headline figures, for pasting into README."""
    lines = [
        "### Evaluation",
        "",
        "`face2voice evaluate --faces PHOTOS/ --out REPORT/ [--backends embedded ...] [--labels labels.json] [--json]` "
        "runs every photo in a folder through each available backend and writes `REPORT.md` with PNG plots and "
        "`report.json`: gender consistency (GE2E and F0 judges), age consistency (photos and an age-control sweep), "
        "voice match, N-way cross-modal matching, voice diversity, pocketsphinx WER and latency. "
        "Python: `face2voice.evaluation.evaluate(faces_dir, out_dir, backends)`.",
        "",
        f"Current figures for `examples/` ({len(report.faces)} photos), generated by `{command}` "
        f"(full report with plots: [{link}]({link})):",
        "",
    ]
    lines += _headline_lines(report)
    errs = sorted({e for m in report.backends.values() for e in m.gender.perception_errors})
    if errs:
        faces = {f.name: f for f in report.faces}
        described = ", ".join(
            f"{e} (P(female) {faces[e].p_female:.2f}, {'borderline' if faces[e].ambiguous(report.config.ambiguous_band) else 'confidently wrong'})"
            for e in errs
        )
        lines += [
            f"Known weak spot: the attribute model perceives {described} as the other gender than annotated, "
            "and the voice follows the perceived gender, hence the lower agreement with the annotated gender.",
            "",
        ]
    return "\n".join(lines)
