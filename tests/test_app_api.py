"""The launched Gradio app, driven through gradio_client exactly as an API user would.

One server per module on a free loopback port, sharing the session's already-loaded pipeline
(``conftest.pipeline``, no original checkpoints), so models load once for the whole test run. One
more app is built on a temporary models folder holding full-size synthetic checkpoints in the
original formats, to drive the ``original`` backend through the API. Texts are short: every
synthesis costs seconds on the 2-core CI machine.
"""

from __future__ import annotations

import io
import struct
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

pytestmark = pytest.mark.slow

SHORT = "Hello there, nice to meet you."


# -- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_url(pipeline, tmp_path_factory):
    import os

    os.environ.setdefault("GRADIO_EXAMPLES_CACHE", str(tmp_path_factory.mktemp("examples_cache")))
    from face2voice.app import AppState, build_demo
    from face2voice.app.serve import serving

    state = AppState(factory=lambda config: pipeline)  # reuse the session's pipeline
    with serving(build_demo(state)) as url:
        yield url


@pytest.fixture(scope="module")
def client(app_url, tmp_path_factory):
    from gradio_client import Client

    return Client(app_url, verbose=False, download_files=str(tmp_path_factory.mktemp("client_downloads")))


@pytest.fixture(scope="module")
def files(tmp_path_factory, examples_dir) -> dict[str, Path]:
    """Good and bad inputs written once as files (the client uploads files)."""
    d = tmp_path_factory.mktemp("inputs")
    obama = (examples_dir / "obama.jpg").read_bytes()
    out = {
        "obama": examples_dir / "obama.jpg",
        "grace": examples_dir / "grace_hopper.jpg",
        "not_image": d / "not_image.jpg",
        "truncated": d / "truncated.jpg",
        "one_pixel": d / "one_pixel.png",
        "huge": d / "huge.png",
        "no_face": d / "no_face.png",
        "two_faces": d / "two_faces.png",
    }
    out["not_image"].write_bytes(b"this is plainly not an image file\n" * 20)
    out["truncated"].write_bytes(obama[: len(obama) // 3])
    Image.new("RGB", (1, 1), (200, 100, 50)).save(out["one_pixel"])
    out["huge"].write_bytes(_png_with_header_size(20000, 20000))
    grad = np.tile(np.linspace(0, 255, 256, dtype=np.uint8), (200, 1))
    Image.fromarray(np.stack([grad, grad[::-1], grad], -1)).save(out["no_face"])
    a = Image.open(examples_dir / "obama.jpg").convert("RGB").resize((300, 360))
    b = Image.open(examples_dir / "grace_hopper.jpg").convert("RGB").resize((300, 360))
    both = Image.new("RGB", (640, 360), (255, 255, 255))
    both.paste(a, (0, 0))
    both.paste(b, (340, 0))
    both.save(out["two_faces"])
    return out


def _png_with_header_size(w: int, h: int) -> bytes:
    """A small valid PNG whose IHDR claims w x h: a decompression bomb without 400 MB of RAM here."""
    buf = io.BytesIO()
    Image.new("L", (64, 64)).save(buf, format="PNG")
    data = bytearray(buf.getvalue())
    ihdr = bytearray(data[12:29])  # b"IHDR" + 13 bytes
    ihdr[4:12] = struct.pack(">II", w, h)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)) & 0xFFFFFFFF)
    return bytes(data)


@pytest.fixture(scope="module")
def obama_speech(client, files):
    from gradio_client import handle_file

    return client.predict(image=handle_file(str(files["obama"])), text=SHORT, api_name="/speak")


# -- helpers --------------------------------------------------------------------------------------------


def _audio(path: str) -> tuple[np.ndarray, int]:
    wav, sr = sf.read(path, dtype="float32")
    return wav, sr


def _assert_speech(path: str, min_s: float = 0.8) -> np.ndarray:
    wav, sr = _audio(path)
    assert sr == 24_000
    assert wav.ndim == 1 and len(wav) / sr > min_s
    assert np.isfinite(wav).all() and 0.05 < np.abs(wav).max() <= 1.0
    return wav


def _image(path: str) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def _status_row(md: str, filename: str) -> str:
    """The model status table's row for one checkpoint file."""
    return next(line for line in md.splitlines() if line.startswith(f"| `{filename}` |"))


def _error(client, api_name: str, **kwargs) -> str:
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as info:
        client.predict(api_name=api_name, **kwargs)
    msg = str(info.value)
    assert "Traceback" not in msg and "File \"" not in msg
    return msg


# -- API surface -------------------------------------------------------------------------------------------


def test_documented_endpoints_are_exposed(client):
    api = client.view_api(print_info=False, return_format="dict")
    names = set(api["named_endpoints"])
    for name in ("/speak", "/resynthesize", "/analyze_face", "/face_voice_controls", "/compare", "/blend", "/reference_voice", "/model_status"):
        assert name in names, names
    params = {name: [p["parameter_name"] for p in ep["parameters"]] for name, ep in api["named_endpoints"].items()}
    assert params["/speak"] == ["image", "text", "use_face_gender_age", "gender_mix", "age", "pitch_semitones", "rate", "seed", "backend"]
    for name in ("/resynthesize", "/compare", "/blend", "/reference_voice", "/model_status"):
        assert params[name][-1] == "backend", (name, params[name])
    assert params["/analyze_face"] == params["/face_voice_controls"] == ["image"]  # face analysis is backend-independent


def test_model_status(client):
    md = client.predict(api_name="/model_status")
    assert "Active backend:** auto → embedded" in md  # no checkpoints in this session's models folder
    assert "Available backends:** `embedded` (" in md
    for fname in ("encoder.pt", "synthesizer.pt", "vocoder.pt", "lip2speech_final.pth"):
        assert _status_row(md, fname).endswith("| missing |")
    assert "FACE2VOICE_MODELS_DIR" in md and "face2voice download --lip2speech" in md and "Lip2Speech README" in md
    assert "Active backend:** embedded:" in client.predict(backend="embedded", api_name="/model_status")


def test_unavailable_backend_is_explained(client, files):
    from gradio_client import handle_file

    msg = _error(client, "/speak", image=handle_file(str(files["obama"])), text=SHORT, backend="original")
    assert "needs original checkpoints" in msg and "face2voice download" in msg and "choose: embedded" in msg
    assert "Unknown backend 'tacotron'" in _error(client, "/compare", image_a=handle_file(str(files["obama"])), image_b=handle_file(str(files["grace"])), text=SHORT, backend="tacotron")
    assert "not available here" in client.predict(backend="attributes+tacotron", api_name="/model_status")


# -- face -> voice -----------------------------------------------------------------------------------------


def test_speak_returns_face_embedding_mel_audio_and_numbers(obama_speech):
    crop, face_info, heatmap, projection, mel, audio, match, timings, details = obama_speech
    c = _image(crop)
    assert min(c.shape[:2]) >= 100
    assert (c[..., 1] > 200).sum() > 50  # the green face box is drawn
    assert "male" in face_info and "1 face found" in face_info
    for fig, min_w in ((heatmap, 250), (projection, 300), (mel, 500)):
        assert _image(fig).shape[1] >= min_w
    wav = _assert_speech(audio, 1.0)
    assert 0.5 < match <= 1.0
    assert "speech synthesis" in timings and "total" in timings and "**Backend:** embedded" in timings and "24 kHz" in timings
    assert details["backend"] == "embedded"  # "auto" without checkpoints
    assert details["face"]["faces_found"] == 1 and details["face"]["attributes"]["gender"] == "male"
    assert len(details["embedding"]) == 256 and abs(np.linalg.norm(details["embedding"]) - 1) < 1e-3
    assert details["duration_s"] == pytest.approx(len(wav) / 24_000, abs=0.01)
    assert {"face_detection", "synthesis", "mel", "voice_match"} <= set(details["timings_s"])


def test_analyze_face_and_reset_controls(client, files):
    from gradio_client import handle_file

    crop, info, gender, age = client.predict(image=handle_file(str(files["grace"])), api_name="/analyze_face")
    assert _image(crop).shape[0] > 50 and "Perceived gender" in info
    assert 0.0 <= gender <= 1.0 and 3 <= age <= 100
    use_face, g2, a2, pitch, rate, seed = client.predict(image=handle_file(str(files["grace"])), api_name="/face_voice_controls")
    assert (use_face, g2, a2, pitch, rate, seed) == (True, gender, age, 0.0, 1.0, 0)


def test_controls_resynthesize_without_redetecting(client, files, obama_speech):
    from gradio_client import handle_file

    base = obama_speech[-1]
    out = client.predict(
        image=handle_file(str(files["obama"])), text=SHORT, use_face_gender_age=False, gender_mix=1.0, age=35,
        pitch_semitones=4, rate=1.3, seed=7, api_name="/resynthesize",
    )
    details = out[-1]
    assert details["face_analysis_cached"] is True  # same photo: no second detection
    assert "face_detection" not in details["timings_s"]
    assert details["voice"]["gender_mix_female"] == 1.0
    assert details["voice"]["pitch_factor"] == pytest.approx(2 ** (4 / 12), rel=1e-3)
    assert details["voice"]["speed"] == pytest.approx(1.3, rel=1e-3)
    assert [v["name"] for v in details["voices"]] != [v["name"] for v in base["voices"]]
    assert all(v["name"].split("_")[0][1] == "f" for v in details["voices"])  # af_/bf_: female bank voices
    wav = _assert_speech(out[5], 0.5)
    assert len(wav) / 24_000 < base["duration_s"]  # faster rate -> shorter


# -- compare and blend -------------------------------------------------------------------------------------


def test_compare_and_blend(client, files):
    from gradio_client import handle_file

    a, b = handle_file(str(files["obama"])), handle_file(str(files["grace"]))
    crop_a, crop_b, audio_a, audio_b, heat_a, heat_b, cmp_map, details = client.predict(
        image_a=a, image_b=b, text="Two voices.", api_name="/compare"
    )
    _assert_speech(audio_a, 0.4)
    _assert_speech(audio_b, 0.4)
    assert _image(crop_a).shape != _image(crop_b).shape or not np.array_equal(_image(crop_a), _image(crop_b))
    assert _image(heat_a).shape == _image(heat_b).shape
    assert -1 <= details["embedding_cosine_a_b"] < 0.999
    assert details["backend"] == details["a"]["backend"] == "embedded"
    audio_mix, heat_mix, mix_map, mix = client.predict(image_a=a, image_b=b, text="Two voices.", blend=0.5, api_name="/blend")
    _assert_speech(audio_mix, 0.4)
    assert mix["blend"] == 0.5
    assert mix["cosine_to_a"] > details["embedding_cosine_a_b"] and mix["cosine_to_b"] > details["embedding_cosine_a_b"]


# -- reference voice ---------------------------------------------------------------------------------------


def test_reference_voice_clones_a_recording(client, obama_speech):
    from gradio_client import handle_file

    ref = obama_speech[5]  # the face's voice, used as a recording: cloning should land near it
    heat, proj, mel, audio, similarity, details = client.predict(
        reference_audio=handle_file(ref), text="Cloned voice.", api_name="/reference_voice"
    )
    _assert_speech(audio, 0.4)
    assert _image(mel).shape[1] >= 500 and _image(heat).shape[0] > 100
    assert similarity > 0.6
    assert len(details["reference_embedding"]) == 256
    ref_voices = {v["name"] for v in obama_speech[-1]["voices"]}
    assert ref_voices & {v["name"] for v in details["voices"]}


def test_reference_voice_errors(client, files):
    from gradio_client import handle_file

    msg = _error(client, "/reference_voice", reference_audio=handle_file(str(files["not_image"])), text="Hi.")
    assert "not an audio recording" in msg
    sr = 16_000
    silent = files["no_face"].parent / "silence.wav"
    sf.write(silent, np.zeros(sr * 2, np.float32), sr)
    assert "silent" in _error(client, "/reference_voice", reference_audio=handle_file(str(silent)), text="Hi.")


# -- bad inputs: every one a readable message --------------------------------------------------------------


@pytest.mark.parametrize(
    "key, expected",
    [
        ("not_image", "not an image"),
        ("truncated", "damaged or truncated"),
        ("one_pixel", "1x1"),
        ("huge", "too large to process safely (400 MP)"),
        ("no_face", "No face found"),
    ],
)
def test_bad_images_give_readable_errors(client, files, key, expected):
    from gradio_client import handle_file

    assert expected in _error(client, "/speak", image=handle_file(str(files[key])), text=SHORT)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", "text is empty"),
        ("a" * 100_000, "limit is 5,000"),
        ("\U0001f600\U0001f389\U0001f680", "only symbols or emoji"),
        ("\u4f60\u597d\u4e16\u754c", "Only English text is supported"),
    ],
)
def test_bad_texts_give_readable_errors(client, files, text, expected):
    from gradio_client import handle_file

    assert expected in _error(client, "/speak", image=handle_file(str(files["obama"])), text=text)


def test_missing_photo_is_explained(client):
    assert "upload a photo" in _error(client, "/speak", image=None, text=SHORT)


def test_several_faces_and_mixed_text_are_spoken_with_notes(client, files):
    from gradio_client import handle_file

    out = client.predict(image=handle_file(str(files["two_faces"])), text="Hi \U0001f600 there \u4f60\u597d.", api_name="/speak")
    details = out[-1]
    assert details["face"]["faces_found"] == 2
    assert "2 faces found" in out[1]
    notes = " ".join(details["warnings"])
    assert "using the largest one" in notes and "emoji" in notes and "CJK" in notes
    _assert_speech(out[5], 0.3)


# -- concurrency ----------------------------------------------------------------------------------------------


def test_eight_concurrent_requests_and_a_corrupt_one(app_url, files, tmp_path):
    from gradio_client import Client, handle_file
    from gradio_client.exceptions import AppError

    sizes = {k: Image.open(files[k]).size for k in ("obama", "grace")}
    jobs = [("obama" if i % 2 else "grace", f"Request number {i}.") for i in range(8)]

    def run(job):
        key, text = job
        c = Client(app_url, verbose=False, download_files=str(tmp_path / key / text[-3:-1].strip()))
        return c.predict(image=handle_file(str(files[key])), text=text, api_name="/speak")

    def corrupt():
        c = Client(app_url, verbose=False, download_files=str(tmp_path / "corrupt"))
        try:
            c.predict(image=handle_file(str(files["truncated"])), text=SHORT, api_name="/speak")
        except AppError as exc:
            return str(exc)
        return "no error"

    with ThreadPoolExecutor(max_workers=9) as pool:
        futures = [pool.submit(run, j) for j in jobs]
        bad = pool.submit(corrupt)
        results = [f.result(timeout=600) for f in futures]
    assert "damaged or truncated" in bad.result()
    voices = {}
    for (key, text), out in zip(jobs, results):
        details = out[-1]
        assert tuple(details["face"]["image_size"]) == sizes[key]  # each answer belongs to its own request
        assert details["sentences"] == 1
        _assert_speech(out[5], 0.5)
        voices.setdefault(key, set()).add(tuple(v["name"] for v in details["voices"]))
    assert all(len(v) == 1 for v in voices.values())  # same face -> same voice, whatever the interleaving


# -- live webcam preview (a streaming event: called directly, the client has no stream upload) -----------


def test_webcam_preview_draws_boxes_and_never_raises(pipeline, examples_dir):
    from face2voice.app import AppState
    from face2voice.app.handlers import Handlers

    h = Handlers(AppState(factory=lambda config: pipeline))
    frame = np.asarray(Image.open(examples_dir / "obama.jpg").convert("RGB"))
    import time

    t0 = time.perf_counter()
    drawn, raw = h.preview_frame(frame)
    assert time.perf_counter() - t0 < 1.0  # a few frames per second on 2 cores
    assert raw is not None and raw.shape == frame.shape
    assert max(drawn.shape[:2]) == 640  # downscaled for speed
    small = np.asarray(Image.fromarray(frame).resize(drawn.shape[1::-1], Image.Resampling.BILINEAR))
    assert (np.abs(drawn.astype(int) - small).max(axis=2) > 100).sum() > 200  # the box is drawn
    blank, _ = h.preview_frame(np.full((240, 320, 3), 127, np.uint8))
    assert blank is not None  # "no face" is written on the frame, not raised
    assert h.preview_frame(np.zeros((2, 2, 3), np.uint8)) == (None, None)


# -- the original-checkpoint backend, through the API --------------------------------------------------------


@pytest.fixture
def checkpoint_client(tmp_path):
    """An app on a models folder with all four checkpoints (full-size synthetic weights in the
    original formats), loaded by the app's own default factory, as ``python app.py`` would."""
    import torch
    from gradio_client import Client

    from face2voice import PipelineConfig
    from face2voice.app import AppState, build_demo
    from face2voice.app.serve import serving
    from face2voice.original_models import OriginalSettings

    from .original_checkpoints import write_all

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small per-step matmuls: extra threads only contend on 2 cores
    state = AppState(config=PipelineConfig(models_dir=write_all(tmp_path / "savedmodels"), original=OriginalSettings(max_decoder_steps=40)))
    state.pipeline()  # load before serving: the HTTP-only status call would otherwise wait on it
    try:
        with serving(build_demo(state)) as url:
            yield Client(url, verbose=False, download_files=str(tmp_path / "downloads"))
    finally:
        state.close()
        torch.set_num_threads(threads)


def test_original_backend_through_the_api(checkpoint_client, files):
    from gradio_client import handle_file

    md = checkpoint_client.predict(api_name="/model_status")
    for fname in ("encoder.pt", "synthesizer.pt", "vocoder.pt", "lip2speech_final.pth"):
        assert _status_row(md, fname).endswith("| loaded |"), md
    assert "Active backend:** auto → original: Lip2Speech face encoder → SV2TTS Tacotron + WaveRNN" in md
    assert "`embedded`, `original`, `face-encoder+kokoro`, `attributes+tacotron`" in md

    out = checkpoint_client.predict(image=handle_file(str(files["obama"])), text="Hello there.", backend="original", api_name="/speak")
    wav, sr = _audio(out[5])
    details = out[-1]
    assert sr == 16_000 and details["sample_rate"] == 16_000 and details["backend"] == "original"
    assert wav.ndim == 1 and wav.size > 2400 and np.isfinite(wav).all()  # synthetic weights: short noise-like speech
    assert details["duration_s"] == pytest.approx(wav.size / 16_000, abs=0.01)
    assert len(details["embedding"]) == 256 and details["face"]["faces_found"] == 1
    assert "**Backend:** original (Lip2Speech face encoder → SV2TTS Tacotron + WaveRNN)" in out[7]

    # Tacotron is conditioned on embeddings, so a blend interpolates the two targets on the sphere
    # (t = 0.5: equally close to both) and a reference clip's own GE2E embedding drives it (cloning).
    a, b = handle_file(str(files["obama"])), handle_file(str(files["grace"]))
    _, _, _, mix = checkpoint_client.predict(image_a=a, image_b=b, text="Hi.", blend=0.5, backend="attributes+tacotron", api_name="/blend")
    assert mix["backend"] == "attributes+tacotron" and mix["sample_rate"] == 16_000
    assert mix["cosine_to_a"] == pytest.approx(mix["cosine_to_b"], abs=2e-4) and mix["cosine_to_a"] < 0.9999
    *_, ref = checkpoint_client.predict(reference_audio=handle_file(out[5]), text="Hi.", backend="attributes+tacotron", api_name="/reference_voice")
    assert ref["backend"] == "attributes+tacotron" and ref["sample_rate"] == 16_000
    emb = np.asarray(ref["reference_embedding"])
    assert np.allclose(ref["embedding"], emb / np.linalg.norm(emb), atol=1e-4)
