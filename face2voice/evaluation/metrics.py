"""The figures of the report, computed from renders only (no models), so they are cheap to test.

Each function takes the face records and one backend's renders and returns a frozen record whose
fields go straight into the JSON report. Per-face voice embeddings are the unit-normalised mean
of that face's per-sentence GE2E embeddings, the way GE2E forms a speaker embedding from several
utterances.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from ..analysis import cosine
from .collect import FaceRecord, Render
from .matching import NWayResult, n_way_accuracy, similarity_matrix

GENDERS = ("female", "male")


def unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, np.float64)
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(n > 0, n, 1.0)


def own_renders(renders: list[Render]) -> list[Render]:
    return [r for r in renders if r.control_age is None]


def face_voices(faces: list[FaceRecord], renders: list[Render]) -> tuple[np.ndarray, np.ndarray]:
    """(targets, voices), one row per face in ``faces`` order, from the face's own-voice renders."""
    targets, voices = [], []
    for face in faces:
        rs = [r for r in own_renders(renders) if r.face == face.name]
        targets.append(unit(np.mean([r.target for r in rs], axis=0)))
        voices.append(unit(np.mean([r.output for r in rs], axis=0)))
    return np.stack(targets), np.stack(voices)


def _nanmedian(values) -> float:
    a = np.asarray([v for v in values if v is not None], dtype=np.float64)
    a = a[np.isfinite(a)]
    return float(np.median(a)) if a.size else float("nan")


# -- gender -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GenderJudge:
    """One way of calling a voice female or male, with its accuracy on the labelled bank voices."""

    name: str
    rule: str
    bank_accuracy: float  # on the voice bank's own labels (leave-one-out for the centroid judge)
    voice_gender: dict[str, str]  # face -> judged gender of its voice
    margin: dict[str, float]  # face -> signed evidence (>0 female)
    agreement_all: float  # vs perceived face gender, all faces
    agreement_confident: float | None  # vs perceived face gender, faces outside the ambiguous band
    confusion: dict[str, dict[str, int]]  # perceived face gender -> voice gender -> count
    agreement_annotated: float | None  # vs the annotated (true) gender, where labels exist
    confusion_annotated: dict[str, dict[str, int]]


@dataclass(frozen=True)
class GenderConsistency:
    judges: tuple[GenderJudge, ...]
    ambiguous_faces: tuple[str, ...]
    perception_errors: tuple[str, ...]  # faces whose perceived gender contradicts their annotation
    f0_threshold_hz: float


def _confusion(rows: dict[str, str], cols: dict[str, str]) -> dict[str, dict[str, int]]:
    table = {g: {h: 0 for h in GENDERS} for g in GENDERS}
    for face, g in rows.items():
        table[g][cols[face]] += 1
    return table


def _rate(pairs: list[tuple[str, str]]) -> float | None:
    return float(np.mean([a == b for a, b in pairs])) if pairs else None


def gender_consistency(faces: list[FaceRecord], renders: list[Render], bank, band: tuple[float, float]) -> GenderConsistency:
    """Voice gender judged two independent ways and compared with the face's perceived gender.

    GE2E judge: is the output voice nearer the female or the male centroid of the bank? F0 judge:
    is its median F0 above the midpoint of the bank's mean female and mean male F0? Each judge's
    accuracy on the bank's own labelled voices is reported so its verdicts can be weighed.
    """
    _, voices = face_voices(faces, renders)
    f_c, m_c = bank.centroid("female"), bank.centroid("male")
    bank_f0 = np.array([v.median_f0_hz for v in bank.voices])
    threshold = float((bank_f0[bank.is_female].mean() + bank_f0[~bank.is_female].mean()) / 2)

    # bank accuracy: leave-one-out centroids for GE2E, the fixed threshold for F0
    emb = bank.embeddings.astype(np.float64)
    loo = []
    for i in range(len(emb)):
        keep = np.arange(len(emb)) != i
        fc = unit(emb[keep & bank.is_female].mean(0))
        mc = unit(emb[keep & ~bank.is_female].mean(0))
        loo.append((emb[i] @ fc > emb[i] @ mc) == bank.is_female[i])
    ge2e_bank = float(np.mean(loo))
    f0_bank = float(np.mean((bank_f0 > threshold) == bank.is_female))

    f0 = {f.name: _nanmedian(r.acoustics.median_f0_hz for r in own_renders(renders) if r.face == f.name) for f in faces}
    ge2e_margin = {f.name: cosine(v, f_c) - cosine(v, m_c) for f, v in zip(faces, voices)}
    f0_margin = {name: (hz - threshold) for name, hz in f0.items()}
    perceived = {f.name: f.perceived_gender for f in faces}
    confident = {f.name for f in faces if not f.ambiguous(band)}
    annotated = {f.name: f.annotated_gender for f in faces if f.annotated_gender}

    judges = []
    for name, rule, margins, acc in (
        ("ge2e_centroid", "cos(voice, female centroid) > cos(voice, male centroid)", ge2e_margin, ge2e_bank),
        ("median_f0", f"median F0 (pYIN) > {threshold:.0f} Hz", f0_margin, f0_bank),
    ):
        voice_gender = {k: ("female" if m > 0 else "male") for k, m in margins.items()}
        judges.append(
            GenderJudge(
                name=name,
                rule=rule,
                bank_accuracy=acc,
                voice_gender=voice_gender,
                margin={k: round(float(m), 4) for k, m in margins.items()},
                agreement_all=_rate([(perceived[k], voice_gender[k]) for k in perceived]),
                agreement_confident=_rate([(perceived[k], voice_gender[k]) for k in perceived if k in confident]),
                confusion=_confusion(perceived, voice_gender),
                agreement_annotated=_rate([(annotated[k], voice_gender[k]) for k in annotated]),
                confusion_annotated=_confusion(annotated, voice_gender),
            )
        )
    return GenderConsistency(
        judges=tuple(judges),
        ambiguous_faces=tuple(sorted(set(perceived) - confident)),
        perception_errors=tuple(k for k in annotated if annotated[k] != perceived[k]),
        f0_threshold_hz=threshold,
    )


# -- age ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Correlation:
    x: str
    y: str
    n: int
    spearman: float | None  # None when a variable is constant (no ranking to correlate)
    pearson: float | None


def correlate(x_name: str, y_name: str, x, y) -> Correlation:
    from scipy.stats import pearsonr, spearmanr

    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    if x.size < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return Correlation(x_name, y_name, int(x.size), None, None)
    return Correlation(x_name, y_name, int(x.size), float(spearmanr(x, y)[0]), float(pearsonr(x, y)[0]))


@dataclass(frozen=True)
class AgePoint:
    face: str
    age: float
    median_f0_hz: float
    speaking_rate_sps: float
    pitch_factor: float
    rate_factor: float
    f0_ratio: float | None = None  # vs the same face at the reference age (control sweep only)
    rate_ratio: float | None = None


@dataclass(frozen=True)
class AgeConsistency:
    photos: tuple[AgePoint, ...]  # perceived age of each photo
    photo_correlations: tuple[Correlation, ...]
    control: tuple[AgePoint, ...]  # each face re-voiced at the control ages
    control_correlations: tuple[Correlation, ...]
    control_mean_f0_ratio: dict[str, float]  # age -> geometric mean F0 ratio vs reference age
    control_mean_rate_ratio: dict[str, float]
    reference_age: float


def age_consistency(faces: list[FaceRecord], renders: list[Render], reference_age: float) -> AgeConsistency:
    """Do F0 and speaking rate follow age? Once over the photos' perceived ages, once over the age control.

    Over the photos, F0 is dominated by gender, so a raw age/F0 correlation says little with a
    handful of faces; the control sweep holds the face (and gender) fixed and varies only age, and
    reports the measured F0 and rate relative to the same face at ``reference_age``.
    """
    photos = []
    for f in faces:
        rs = [r for r in own_renders(renders) if r.face == f.name]
        photos.append(
            AgePoint(
                face=f.name,
                age=f.age,
                median_f0_hz=_nanmedian(r.acoustics.median_f0_hz for r in rs),
                speaking_rate_sps=float(np.mean([r.acoustics.speaking_rate_sps for r in rs])),
                pitch_factor=rs[0].pitch_factor,
                rate_factor=rs[0].rate_factor,
            )
        )
    ages = [p.age for p in photos]
    photo_corr = (
        correlate("perceived age", "median F0", ages, [p.median_f0_hz for p in photos]),
        correlate("perceived age", "speaking rate", ages, [p.speaking_rate_sps for p in photos]),
        correlate("perceived age", "applied pitch factor", ages, [p.pitch_factor for p in photos]),
        correlate("perceived age", "applied rate factor", ages, [p.rate_factor for p in photos]),
    )

    control = []
    for f in faces:
        rs = {r.control_age: r for r in renders if r.face == f.name and r.control_age is not None}
        ref = rs.get(reference_age)
        for age, r in sorted(rs.items()):
            f0_ratio = r.acoustics.median_f0_hz / ref.acoustics.median_f0_hz if ref else float("nan")
            rate_ratio = r.acoustics.speaking_rate_sps / ref.acoustics.speaking_rate_sps if ref else float("nan")
            control.append(
                AgePoint(
                    face=f.name,
                    age=age,
                    median_f0_hz=r.acoustics.median_f0_hz,
                    speaking_rate_sps=r.acoustics.speaking_rate_sps,
                    pitch_factor=r.pitch_factor,
                    rate_factor=r.rate_factor,
                    f0_ratio=float(f0_ratio),
                    rate_ratio=float(rate_ratio),
                )
            )
    by_age: dict[float, list[AgePoint]] = defaultdict(list)
    for p in control:
        by_age[p.age].append(p)

    def geo(values) -> float:
        a = np.asarray(values, np.float64)
        a = a[np.isfinite(a) & (a > 0)]
        return float(np.exp(np.mean(np.log(a)))) if a.size else float("nan")

    c_ages = [p.age for p in control]
    control_corr = (
        correlate("control age", "F0 ratio", c_ages, [p.f0_ratio for p in control]),
        correlate("control age", "speaking-rate ratio", c_ages, [p.rate_ratio for p in control]),
        correlate("applied pitch factor", "F0 ratio", [p.pitch_factor for p in control], [p.f0_ratio for p in control]),
        correlate("applied rate factor", "speaking-rate ratio", [p.rate_factor for p in control], [p.rate_ratio for p in control]),
    )
    return AgeConsistency(
        photos=tuple(photos),
        photo_correlations=photo_corr,
        control=tuple(control),
        control_correlations=control_corr,
        control_mean_f0_ratio={f"{a:g}": geo([p.f0_ratio for p in ps]) for a, ps in sorted(by_age.items())},
        control_mean_rate_ratio={f"{a:g}": geo([p.rate_ratio for p in ps]) for a, ps in sorted(by_age.items())},
        reference_age=reference_age,
    )


# -- voice match and cross-modal matching -------------------------------------------------------


@dataclass(frozen=True)
class VoiceMatch:
    per_face: dict[str, float]  # mean over the face's sentences
    mean: float
    minimum: float
    per_render: tuple[float, ...]


def voice_match(faces: list[FaceRecord], renders: list[Render]) -> VoiceMatch:
    """cos(target embedding, GE2E of the produced audio): does the synthesizer say what was designed?"""
    per_face = {f.name: float(np.mean([r.voice_match for r in own_renders(renders) if r.face == f.name])) for f in faces}
    vals = list(per_face.values())
    return VoiceMatch(
        per_face=per_face,
        mean=float(np.mean(vals)),
        minimum=float(np.min(vals)),
        per_render=tuple(float(r.voice_match) for r in own_renders(renders)),
    )


@dataclass(frozen=True)
class Matching:
    results: tuple[NWayResult, ...]
    similarity: tuple[tuple[float, ...], ...]  # rows: face targets, cols: produced voices
    faces: tuple[str, ...]


def matching(faces: list[FaceRecord], renders: list[Render], sizes: tuple[int, ...]) -> Matching:
    targets, voices = face_voices(faces, renders)
    sim = similarity_matrix(targets, voices)
    results = tuple(
        n_way_accuracy(sim, n, d) for n in sizes if n <= len(faces) for d in ("face->voice", "voice->face")
    )
    return Matching(results=results, similarity=tuple(tuple(float(x) for x in row) for row in sim), faces=tuple(f.name for f in faces))


# -- diversity ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairStats:
    group: str
    n: int
    mean: float | None
    minimum: float | None
    maximum: float | None
    values: tuple[float, ...]


def _stats(group: str, values: list[float]) -> PairStats:
    if not values:
        return PairStats(group, 0, None, None, None, ())
    a = np.asarray(values)
    return PairStats(group, len(values), float(a.mean()), float(a.min()), float(a.max()), tuple(float(x) for x in values))


@dataclass(frozen=True)
class Diversity:
    """Pairwise cosine between produced voices of different faces, grouped by the faces' perceived gender.

    ``bank`` gives the same statistic for distinct voices of the bank: face pairs far above it
    mean different faces are collapsing onto one voice.
    """

    faces: tuple[PairStats, ...]
    bank: tuple[PairStats, ...]
    near_duplicates: tuple[tuple[str, str, float], ...]  # face pairs above the bank's same-gender max


def diversity(faces: list[FaceRecord], renders: list[Render], bank) -> Diversity:
    _, voices = face_voices(faces, renders)
    groups: dict[str, list[float]] = defaultdict(list)
    pairs = []
    for (i, a), (j, b) in combinations(enumerate(faces), 2):
        key = "-".join(sorted((a.perceived_gender, b.perceived_gender)))
        c = float(voices[i] @ voices[j])
        groups[key].append(c)
        pairs.append((a.name, b.name, c, a.perceived_gender == b.perceived_gender))
    emb = unit(bank.embeddings)
    bank_groups: dict[str, list[float]] = defaultdict(list)
    for i, j in combinations(range(len(emb)), 2):
        gi = "female" if bank.is_female[i] else "male"
        gj = "female" if bank.is_female[j] else "male"
        bank_groups["-".join(sorted((gi, gj)))].append(float(emb[i] @ emb[j]))
    same_max = max(max(bank_groups.get("female-female", [-1])), max(bank_groups.get("male-male", [-1])))
    keys = ("female-female", "male-male", "female-male")
    return Diversity(
        faces=tuple(_stats(k, groups.get(k, [])) for k in keys),
        bank=tuple(_stats(k, bank_groups.get(k, [])) for k in keys),
        near_duplicates=tuple((a, b, round(c, 4)) for a, b, c, same in pairs if c > same_max),
    )


# -- intelligibility and speed ------------------------------------------------------------------


@dataclass(frozen=True)
class Intelligibility:
    per_face: dict[str, float]  # WER over the face's sentences (errors / reference words)
    overall: float  # corpus WER over all faces and sentences
    transcripts: dict[str, tuple[str, ...]]


def intelligibility(faces: list[FaceRecord], renders: list[Render]) -> Intelligibility | None:
    rs = [r for r in own_renders(renders) if r.errors is not None]
    if not rs:
        return None
    per_face, transcripts = {}, {}
    for f in faces:
        mine = sorted((r for r in rs if r.face == f.name), key=lambda r: r.sentence)
        per_face[f.name] = sum(r.errors for r in mine) / max(sum(r.ref_words for r in mine), 1)
        transcripts[f.name] = tuple(r.transcript or "" for r in mine)
    return Intelligibility(
        per_face=per_face, overall=sum(r.errors for r in rs) / max(sum(r.ref_words for r in rs), 1), transcripts=transcripts
    )


@dataclass(frozen=True)
class Speed:
    """Latency per stage (mean seconds) and real-time factor (compute seconds per audio second).

    Face stages run once per photo, the rest once per sentence; ``rtf_request`` is a one-sentence
    request end to end (face stages + design + synthesis stages) over its audio duration.
    """

    face_stages_s: dict[str, float]
    synthesis_stages_s: dict[str, float]
    mean_audio_s: float
    rtf_synthesis: float
    rtf_request: float
    renders: int


def speed(faces: list[FaceRecord], renders: list[Render]) -> Speed:
    face_stages: dict[str, list[float]] = defaultdict(list)
    for f in faces:
        for k, v in f.timings.items():
            face_stages[k].append(v)
    rs = own_renders(renders)
    synth: dict[str, list[float]] = defaultdict(list)
    for r in rs:
        for k, v in r.timings.items():
            synth[k].append(v)
    face_mean = {k: float(np.mean(v)) for k, v in face_stages.items()}
    synth_mean = {k: float(np.mean(v)) for k, v in synth.items()}
    per_render = np.array([sum(r.timings.values()) / r.duration_s for r in rs])
    face_total = sum(face_mean.values())
    request = np.array([(face_total + sum(r.timings.values())) / r.duration_s for r in rs])
    return Speed(
        face_stages_s=face_mean,
        synthesis_stages_s=synth_mean,
        mean_audio_s=float(np.mean([r.duration_s for r in rs])),
        rtf_synthesis=float(per_render.mean()),
        rtf_request=float(request.mean()),
        renders=len(rs),
    )


@dataclass(frozen=True)
class BackendMetrics:
    backend: str
    gender: GenderConsistency
    age: AgeConsistency
    voice_match: VoiceMatch
    matching: Matching
    diversity: Diversity
    intelligibility: Intelligibility | None
    speed: Speed


def compute(backend: str, faces: list[FaceRecord], renders: list[Render], bank, config) -> BackendMetrics:
    return BackendMetrics(
        backend=backend,
        gender=gender_consistency(faces, renders, bank, config.ambiguous_band),
        age=age_consistency(faces, renders, config.reference_age),
        voice_match=voice_match(faces, renders),
        matching=matching(faces, renders, config.matching_sizes),
        diversity=diversity(faces, renders, bank),
        intelligibility=intelligibility(faces, renders),
        speed=speed(faces, renders),
    )
