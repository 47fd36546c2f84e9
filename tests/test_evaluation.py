"""``face2voice evaluate`` on examples/ with the REAL models: report structure, and that every figure
is measured from the audio (perturbing the inputs moves it), not a constant.

The evaluation runs once per module (about two minutes on 2 cores) and every test reads that run.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from PIL import Image

from face2voice.errors import Face2VoiceError
from face2voice.evaluation import EvalConfig, evaluate
from face2voice.evaluation.backends import check_backends
from face2voice.evaluation.matching import n_way_accuracy, similarity_matrix
from face2voice.evaluation.metrics import face_voices

PHOTOS = ["astronaut.png", "camera.png", "grace_hopper.jpg", "luispedro.jpg", "obama.jpg"]
# True genders of the example subjects (examples/README.md); the attribute model gets Grace Hopper wrong.
LABELS = {
    "astronaut.png": {"gender": "female"},
    "camera.png": {"gender": "male"},
    "grace_hopper.jpg": {"gender": "female"},
    "luispedro.jpg": {"gender": "male"},
    "obama.jpg": {"gender": "male"},
}


# -- pure parts, no models ----------------------------------------------------------------------


def test_n_way_accuracy_chance_and_tie_rule():
    assert n_way_accuracy(np.eye(5), 2).accuracy == 1.0
    assert n_way_accuracy(np.eye(5), 5).accuracy == 1.0
    const = n_way_accuracy(np.ones((5, 5)), 2)  # every voice identical: ties everywhere -> chance
    assert math.isclose(const.accuracy, 0.5) and const.trials == 20 and const.subsets == 10
    assert math.isclose(n_way_accuracy(np.ones((5, 5)), 5).accuracy, 0.2)
    anti = n_way_accuracy(1 - np.eye(4), 2)  # always prefers the other face's voice
    assert anti.accuracy == 0.0
    # direction matters when the matrix is not symmetric: voice 0 is every face's nearest voice,
    # but seen from the voices, voices 1 and 2 still pick their own faces
    s = np.array([[0.9, 0.1, 0.1], [0.95, 0.5, 0.1], [0.95, 0.1, 0.5]])
    assert n_way_accuracy(s, 3, "face->voice").accuracy == pytest.approx(1 / 3)
    assert n_way_accuracy(s, 3, "voice->face").accuracy == pytest.approx(2 / 3)


def test_config_rejects_inconsistent_protocol():
    with pytest.raises(ValueError):
        EvalConfig(reference_age=40.0)
    with pytest.raises(ValueError):
        EvalConfig(matching_sizes=(1,))


@pytest.mark.parametrize(
    "setup, message",
    [
        (lambda tmp: tmp / "missing", "does not exist"),
        (lambda tmp: tmp, "needs at least 2"),
    ],
)
def test_cli_user_errors_are_one_line(tmp_path, capsys, setup, message):
    from face2voice.cli import main

    code = main(["evaluate", "--faces", str(setup(tmp_path)), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err and err.count("\n") == 1


def test_cli_bad_labels_file(tmp_path, capsys, examples_dir):
    from face2voice.cli import main

    bad = tmp_path / "labels.json"
    bad.write_text('{"obama.jpg": {"gender": "robot"}}')
    code = main(["evaluate", "--faces", str(examples_dir), "--out", str(tmp_path / "o"), "--labels", str(bad)])
    assert code == 2 and "gender of 'obama.jpg'" in capsys.readouterr().err


# -- the real run -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run(pipeline, examples_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("evaluation")
    labels = out / "labels.json"
    labels.write_text(json.dumps(LABELS))
    report = evaluate(examples_dir, out / "report", ["embedded"], pipeline=pipeline, labels=labels, markdown_path=out / "EVALUATION.md")
    return report, out


@pytest.fixture(scope="module")
def embedded(run):
    return run[0].backends["embedded"]


@pytest.mark.slow
def test_report_files_and_json_structure(run):
    report, out = run
    data = json.loads((out / "report" / "report.json").read_text())
    assert data["schema"] == "face2voice.evaluation/1"
    assert [f["name"] for f in data["faces"]] == PHOTOS
    assert set(data["backends"]) == {"embedded"}
    sections = set(data["backends"]["embedded"])
    assert {"gender", "age", "voice_match", "matching", "diversity", "intelligibility", "speed"} <= sections
    assert len(data["voices"]["embedded"]["obama.jpg"]["output_embedding"]) == 256
    for name in ("projection", "f0_vs_age", "matching", "similarity", "diversity"):
        png = out / "report" / data["figures"][name]
        with Image.open(png) as im:
            assert im.format == "PNG" and im.width > 400 and im.height > 300
            assert np.asarray(im.convert("L")).std() > 10  # something was drawn
    md = (out / "EVALUATION.md").read_text()
    for heading in ("## Headline", "### Gender consistency", "### Age consistency", "### Voice match and cross-modal matching",
                    "### Diversity", "### Intelligibility", "### Speed", "## What these figures can and cannot say"):
        assert heading in md
    assert "](report/projection.png)" in md  # links relative to where the Markdown was written
    assert "nan" not in md.lower().replace("canoe", "")


@pytest.mark.slow
def test_swapping_two_faces_voices_lowers_matching_and_voice_match(run, embedded):
    report, _ = run
    faces = list(report.faces)
    targets, voices = face_voices(faces, list(report.renders["embedded"]))
    sim = similarity_matrix(targets, voices)
    assert np.allclose(sim, np.asarray(embedded.matching.similarity))
    swapped = voices[[1, 0, 2, 3, 4]]  # astronaut's and camera's voices exchanged
    sim_swapped = similarity_matrix(targets, swapped)
    for n in (2, 5):
        assert n_way_accuracy(sim_swapped, n).accuracy < n_way_accuracy(sim, n).accuracy
    assert np.mean(np.diag(sim_swapped)) < np.mean(np.diag(sim))
    # chance for a different pairing of voices with the same faces, for scale
    assert n_way_accuracy(sim, 2).accuracy > 0.5 and n_way_accuracy(sim, 5).accuracy > 0.2


@pytest.mark.slow
def test_voice_match_is_per_face_measurement(embedded):
    vm = embedded.voice_match
    assert set(vm.per_face) == set(PHOTOS)
    assert all(0.5 < v <= 1.0 for v in vm.per_face.values())
    assert np.ptp(list(vm.per_face.values())) > 1e-3 and len(vm.per_render) == 15
    assert vm.minimum <= vm.mean


@pytest.mark.slow
def test_gender_consistency_both_judges_and_the_known_weak_spot(embedded):
    ge2e, f0 = embedded.gender.judges
    for judge in (ge2e, f0):
        assert sum(sum(row.values()) for row in judge.confusion.values()) == 5
        assert 0 <= judge.agreement_all <= 1 and judge.bank_accuracy > 0.8
    assert ge2e.margin["astronaut.png"] > 0 > ge2e.margin["obama.jpg"]  # signed evidence, not a constant
    assert ge2e.agreement_confident == 1.0  # confident faces get their perceived gender's voice
    # Grace Hopper is perceived as male: the report must show it, and the annotated agreement pays for it.
    # (the cameraman, at P(female) 0.51, is a coin flip that lands on the wrong side.)
    assert set(embedded.gender.perception_errors) == {"camera.png", "grace_hopper.jpg"}
    assert ge2e.voice_gender["grace_hopper.jpg"] == "male" and ge2e.agreement_annotated < 1.0
    assert "camera.png" in embedded.gender.ambiguous_faces


@pytest.mark.slow
def test_age_control_moves_measured_f0_and_photos_are_measured(embedded):
    age = embedded.age
    by_face = {}
    for p in age.control:
        by_face.setdefault(p.face, {})[p.age] = p
    assert set(by_face) == set(PHOTOS)
    for face, points in by_face.items():
        assert points[8.0].median_f0_hz > 1.1 * points[35.0].median_f0_hz, face  # child voice is measurably higher
    pitch_vs_f0 = age.control_correlations[2]
    assert pitch_vs_f0.n == 15 and pitch_vs_f0.spearman > 0.5
    f0s = [p.median_f0_hz for p in age.photos]
    assert np.all(np.isfinite(f0s)) and np.ptp(f0s) > 20
    assert age.control_mean_f0_ratio["35"] == pytest.approx(1.0)


@pytest.mark.slow
def test_diversity_per_gender_is_measured(embedded):
    groups = {g.group: g for g in embedded.diversity.faces}
    assert (groups["female-female"].n, groups["male-male"].n, groups["female-male"].n) == (1, 3, 6)
    assert np.ptp(groups["female-male"].values) > 0.01
    assert all(-1 <= v < 0.999 for g in groups.values() for v in g.values)  # no two faces share one voice
    assert {b.group: b.n for b in embedded.diversity.bank} == {"female-female": 105, "male-male": 78, "female-male": 195}


@pytest.mark.slow
def test_intelligibility_and_speed(embedded):
    intel = embedded.intelligibility
    assert set(intel.per_face) == set(PHOTOS) and 0 <= intel.overall < 0.8
    assert all(len(t) == 3 and all(t) for t in intel.transcripts.values())
    sp = embedded.speed
    assert sp.synthesis_stages_s["synthesis"] > 0 and sp.face_stages_s["face_detection"] > 0
    assert 0 < sp.rtf_synthesis <= sp.rtf_request and sp.renders == 15


@pytest.mark.slow
def test_unavailable_backend_is_a_user_error(pipeline):
    with pytest.raises(Face2VoiceError, match="not available"):
        check_backends(pipeline, ("no-such-backend",))


@pytest.mark.slow
def test_cli_prints_headline_and_writes_snippet(run, tmp_path, monkeypatch, capsys):
    """The CLI wiring, reusing the module's run instead of evaluating a second time."""
    import face2voice.evaluation.runner as runner
    from face2voice.cli import main

    report, _ = run
    monkeypatch.setattr(runner, "evaluate", lambda *a, **k: report)
    snippet = tmp_path / "snippet.md"
    code = main(["evaluate", "--faces", "examples", "--out", str(tmp_path / "r"), "--backends", "embedded", "--snippet", str(snippet)])
    out = capsys.readouterr().out
    assert code == 0 and "5-way matching" in out and "embedded" in out
    text = snippet.read_text()
    assert "face2voice evaluate --faces examples" in text and "| measure | embedded |" in text and "grace_hopper.jpg" in text
