"""The CLI as a user runs it: a real subprocess, real models, and one-line errors (never a traceback)."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from .conftest import EXAMPLES


def run_cli(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "face2voice.cli", *args], capture_output=True, text=True, timeout=timeout)


def _assert_user_error(proc: subprocess.CompletedProcess, pattern: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    assert pattern.lower() in proc.stderr.lower(), proc.stderr
    assert proc.stderr.strip().startswith("error:")


@pytest.mark.slow
def test_speak_json(examples_dir, tmp_path):
    out = tmp_path / "out.wav"
    proc = run_cli("speak", "--face", str(examples_dir / "astronaut.png"), "--text", "Nice to meet you.",
                   "--out", str(out), "--seed", "4", "--json")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    wav, sr = sf.read(out)
    assert sr == 24_000 and len(wav) / sr == pytest.approx(info["duration_s"], abs=0.01)
    assert info["face"]["attributes"]["gender"] == "female" and info["face"]["faces_found"] == 1
    assert {"box", "attributes"} <= set(info["face"]) and info["voices"] and info["backend"] == "embedded"
    for stage in ("face_detection", "attributes", "synthesis", "voice_match"):
        assert info["timings_s"][stage] > 0
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "make, pattern",
    [
        (lambda p: p.write_bytes(b"not an image at all" * 20), "not an image"),
        (lambda p: p.write_bytes((EXAMPLES / "obama.jpg").read_bytes()[:30_000]), "damaged or truncated"),
        (lambda p: Image.new("RGB", (1, 1)).save(p, format="PNG"), "1x1"),
        (lambda p: Image.new("1", (20000, 20000)).save(p, format="PNG"), "too large"),
    ],
    ids=["non-image", "truncated-jpeg", "1x1", "20000x20000"],
)
def test_bad_images(tmp_path, make, pattern):
    photo = tmp_path / "photo.png"
    make(photo)
    _assert_user_error(run_cli("speak", "--face", str(photo), "--text", "Hi.", "--out", str(tmp_path / "o.wav")), pattern)


@pytest.mark.parametrize(
    "text, pattern",
    [("   ", "empty"), ("x" * 100_000, "limit is 5,000"), ("你好世界", "Only English"), ("🙂🙂🙂", "no words")],
    ids=["empty", "100kb", "cjk", "emoji"],
)
def test_bad_text(examples_dir, tmp_path, text, pattern):
    textfile = tmp_path / "t.txt"
    textfile.write_text(text, encoding="utf-8")
    proc = run_cli("speak", "--face", str(examples_dir / "obama.jpg"), "--text-file", str(textfile), "--out", str(tmp_path / "o.wav"))
    _assert_user_error(proc, pattern)


@pytest.mark.slow
def test_no_face_and_several_faces(examples_dir, tmp_path):
    blank = tmp_path / "blank.png"
    Image.fromarray(np.full((300, 300, 3), 180, np.uint8)).save(blank)
    _assert_user_error(run_cli("speak", "--face", str(blank), "--text", "Hi.", "--out", str(tmp_path / "o.wav")), "No face")

    a = Image.open(examples_dir / "obama.jpg").convert("RGB").resize((400, 500))
    b = Image.open(examples_dir / "luispedro.jpg").convert("RGB").resize((300, 377))
    group = Image.new("RGB", (760, 520), "white")
    group.paste(a, (0, 0))
    group.paste(b, (440, 60))
    buf = io.BytesIO()
    group.save(buf, format="JPEG")
    (tmp_path / "group.jpg").write_bytes(buf.getvalue())
    proc = run_cli("speak", "--face", str(tmp_path / "group.jpg"), "--text", "Hi.", "--out", str(tmp_path / "g.wav"))
    assert proc.returncode == 0, proc.stderr
    assert "2 faces" in proc.stdout and "largest" in proc.stdout


def test_missing_text_file(examples_dir, tmp_path):
    _assert_user_error(run_cli("speak", "--face", str(examples_dir / "obama.jpg"), "--text-file", str(tmp_path / "none.txt"),
                               "--out", str(tmp_path / "o.wav")), "Cannot read the text file")


def test_bad_controls_and_backend(examples_dir, tmp_path):
    _assert_user_error(run_cli("speak", "--face", str(examples_dir / "obama.jpg"), "--text", "Hi.", "--out",
                               str(tmp_path / "o.wav"), "--rate", "9"), "rate")


@pytest.mark.slow
def test_unavailable_backend(examples_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("FACE2VOICE_MODELS_DIR", str(tmp_path / "no-models"))
    proc = run_cli("speak", "--face", str(examples_dir / "obama.jpg"), "--text", "Hi.", "--out", str(tmp_path / "o.wav"),
                   "--backend", "original")
    _assert_user_error(proc, "face2voice download")


def test_download_without_network_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    proc = run_cli("download", "--dir", str(tmp_path / "m"))
    _assert_user_error(proc, "Could not download encoder.pt")
