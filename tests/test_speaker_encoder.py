"""GE2E speaker encoder: parity with RTVC fixtures, checkpoint errors, real pretrained weights.

Parity numbers come from ``tests/fixtures/encoder_ge2e.npz`` (produced by running RTVC's
``encoder/`` on a detfill checkpoint).  The checkpoint itself is not committed: it is rebuilt
from ``manifest_encoder.json`` with the detfill recipe and loaded through the real loader.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from face2voice.errors import AudioError, CheckpointError, ModelAssetError
from face2voice.speaker_encoder import (
    AudioParams,
    GE2ENet,
    SpeakerEncoder,
    compute_partial_slices,
    normalize_volume,
    preprocess_wav,
    wav_to_mel_frames,
)
from face2voice.speaker_encoder import encoder as encoder_module
from face2voice.speaker_encoder.audio import load_audio
from tests.detfill import detfill_state

FIXTURES = Path(__file__).parent / "fixtures"
EMBED_ATOL = 1e-5
MEL_RTOL = 1e-4



@pytest.fixture(scope="module")
def ref() -> dict[str, np.ndarray]:
    with np.load(FIXTURES / "encoder_ge2e.npz") as data:
        return {k: data[k] for k in data.files}


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((FIXTURES / "manifest_encoder.json").read_text())


@pytest.fixture(scope="module")
def detfill_sd(manifest) -> dict[str, torch.Tensor]:
    template = {
        key: torch.zeros(spec["shape"], dtype=getattr(torch, spec["dtype"]))
        for key, spec in manifest["state_dict"].items()
    }
    return detfill_state(template)


@pytest.fixture(scope="module")
def detfill_ckpt(tmp_path_factory, detfill_sd) -> Path:
    path = tmp_path_factory.mktemp("ge2e") / "encoder_default_detfill.pt"
    torch.save({"step": 1, "model_state": detfill_sd}, path)
    return path


@pytest.fixture(scope="module")
def det_encoder(detfill_ckpt) -> SpeakerEncoder:
    return SpeakerEncoder.load(detfill_ckpt)


@pytest.fixture(scope="module")
def real_encoder() -> SpeakerEncoder:
    return SpeakerEncoder.load()


def _max_rel(out: np.ndarray, want: np.ndarray) -> float:
    return float(np.max(np.abs(out - want) / np.maximum(np.abs(want), 1e-30)))


# ---------------------------------------------------------------------------- front end parity
@pytest.mark.parametrize("name", ["1p5s", "4s"])
def test_mel_frames_match_rtvc(ref, name):
    out = wav_to_mel_frames(ref[f"wav_{name}"])
    want = ref[f"mel_frames_{name}"]
    assert out.shape == want.shape and out.dtype == np.float32
    assert _max_rel(out, want) < MEL_RTOL


def test_mel_frame_count_for_1p5s(ref):
    # centred STFT: 1 + floor(24000 / 160) frames
    assert wav_to_mel_frames(ref["wav_1p5s"]).shape == (151, 40)


def test_preprocess_wav_exact(ref):
    out = preprocess_wav(ref["wav_4s"])
    assert out.dtype == np.float32 and len(out) == 51360
    np.testing.assert_array_equal(out, ref["preprocess_wav_4s"])


def test_preprocess_wav_without_vad_exact(ref):
    out = preprocess_wav(ref["wav_4s"], trim_silence=False)
    np.testing.assert_array_equal(out, ref["preprocess_wav_4s_novad"])


def test_normalize_volume_is_increase_only():
    loud = np.full(1000, 0.5, dtype=np.float32)  # about -6 dBFS
    assert normalize_volume(loud, -30.0, increase_only=True) is loud
    quiet = np.full(1000, 0.001, dtype=np.float32)
    out = normalize_volume(quiet, -30.0, increase_only=True)
    assert 10 * np.log10(np.mean(out.astype(np.float64) ** 2)) == pytest.approx(-30.0, abs=1e-3)
    silent = np.zeros(10, dtype=np.float32)
    assert np.array_equal(normalize_volume(silent, -30.0, increase_only=True), silent)


def test_audio_params_are_rtvc_defaults():
    p = AudioParams()
    assert (p.sample_rate, p.n_fft, p.hop_length, p.n_mels, p.partial_frames) == (16000, 400, 160, 40, 160)
    assert (p.vad_window_ms, p.vad_moving_average_width, p.vad_max_silence, p.target_dbfs) == (30, 8, 6, -30.0)
    with pytest.raises(AttributeError):
        p.n_mels = 80  # type: ignore[misc]


# ---------------------------------------------------------------------------- partials
def test_partial_slices_match_rtvc(ref):
    wav_slices, mel_slices = compute_partial_slices(len(ref["preprocess_wav_4s"]))
    assert [(s.start, s.stop) for s in wav_slices] == [tuple(r) for r in ref["wave_slices"]]
    assert [(s.start, s.stop) for s in mel_slices] == [tuple(r) for r in ref["mel_slices"]]


def test_partial_slices_short_and_rate():
    wav_slices, mel_slices = compute_partial_slices(1000)
    assert len(mel_slices) == 1 and (mel_slices[0].start, mel_slices[0].stop) == (0, 160)
    _, mel_slices = compute_partial_slices(16000 * 5, rate=1.3)  # Resemblyzer's default: step 77
    assert mel_slices[1].start - mel_slices[0].start == 77
    with pytest.raises(ValueError):
        compute_partial_slices(16000, rate=0.01)


# ---------------------------------------------------------------------------- model parity
def test_embed_frames_batch_matches_rtvc(ref, det_encoder):
    out = det_encoder.embed_frames_batch(ref["frames_batch_in"])
    assert out.shape == (3, 256) and out.dtype == np.float32
    assert np.abs(out - ref["frames_batch_out"]).max() < EMBED_ATOL


def test_embed_utterance_preprocessed_with_partials(ref, det_encoder):
    embed, partials, wave_slices = det_encoder.embed_utterance(ref["preprocess_wav_4s"], return_partials=True)
    assert np.abs(embed - ref["embed_utterance_preprocessed"]).max() < EMBED_ATOL
    assert partials.shape == (3, 256)
    assert np.abs(partials - ref["partial_embeds"]).max() < EMBED_ATOL
    assert [(s.start, s.stop) for s in wave_slices] == [tuple(r) for r in ref["wave_slices"]]
    assert np.linalg.norm(embed) == pytest.approx(1.0, abs=1e-6)


def test_embed_utterance_raw_wav(ref, det_encoder):
    embed = det_encoder.embed_utterance(ref["wav_4s"])
    assert np.abs(embed - ref["embed_utterance_raw_wav4"]).max() < EMBED_ATOL


def test_embed_utterance_without_partials(ref, det_encoder):
    embed = det_encoder.embed_utterance(ref["wav_4s"], using_partials=False)
    assert np.abs(embed - ref["embed_utterance_no_partials_raw_wav4"]).max() < EMBED_ATOL
    embed2, partials, slices = det_encoder.embed_utterance(ref["wav_4s"], using_partials=False, return_partials=True)
    assert partials is None and slices is None and np.array_equal(embed, embed2)


def test_embedding_is_thread_safe(ref, det_encoder):
    frames = ref["frames_batch_in"]
    want = det_encoder.embed_frames_batch(frames)
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(det_encoder.embed_frames_batch(frames))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 3 and all(np.array_equal(r, want) for r in results)


# ---------------------------------------------------------------------------- loading
def test_detfill_checkpoint_loads_key_for_key(detfill_sd, det_encoder, manifest):
    own = det_encoder.net.state_dict()
    assert list(own) == list(manifest["state_dict"])
    assert sum(t.numel() for t in own.values()) == manifest["total_numel"]
    for key, value in detfill_sd.items():
        assert torch.equal(own[key], value), key
    assert det_encoder.step == 1
    assert not det_encoder.net.training


def test_full_rtvc_container_with_optimizer_state(tmp_path, detfill_sd):
    net = GE2ENet()
    net.load_state_dict(detfill_sd)
    params = list(net.parameters())
    # Adam state as torch 1.x saved it in RTVC's encoder.pt (built by hand: torch.optim is slow to import)
    opt_state = {
        "state": {
            i: {"step": 3, "exp_avg": torch.zeros_like(p), "exp_avg_sq": torch.zeros_like(p)}
            for i, p in enumerate(params)
        },
        "param_groups": [
            {"lr": 1e-4, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0, "amsgrad": False,
             "params": list(range(len(params)))}
        ],
    }
    path = tmp_path / "encoder.pt"
    torch.save({"step": 1564501, "model_state": net.state_dict(), "optimizer_state": opt_state}, path)
    enc = SpeakerEncoder.load(str(path))
    assert enc.step == 1564501


def _save(path: Path, obj) -> Path:
    torch.save(obj, path)
    return path


def test_missing_file(tmp_path):
    path = tmp_path / "nope.pt"
    with pytest.raises(CheckpointError) as err:
        SpeakerEncoder.load(path)
    assert str(path) in str(err.value) and err.value.code == "missing_checkpoint"


def test_truncated_file(tmp_path, detfill_ckpt):
    data = detfill_ckpt.read_bytes()
    path = tmp_path / "truncated.pt"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError) as err:
        SpeakerEncoder.load(path)
    assert str(path) in str(err.value) and "truncated" in str(err.value)


def test_non_checkpoint_bytes(tmp_path):
    path = tmp_path / "notes.pt"
    path.write_bytes(b"this is not a checkpoint\n" * 50)
    with pytest.raises(CheckpointError) as err:
        SpeakerEncoder.load(path)
    assert str(path) in str(err.value)


def test_wrong_shape_names_first_bad_key(tmp_path, detfill_sd):
    sd = dict(detfill_sd)
    sd["lstm.weight_ih_l0"] = torch.zeros(1024, 80)
    path = _save(tmp_path / "wide.pt", {"step": 1, "model_state": sd})
    with pytest.raises(CheckpointError) as err:
        SpeakerEncoder.load(path)
    msg = str(err.value)
    assert str(path) in msg and "'lstm.weight_ih_l0'" in msg and "(1024, 80)" in msg


def test_missing_and_unexpected_keys(tmp_path, detfill_sd):
    sd = {k: v for k, v in detfill_sd.items() if k != "linear.bias"}
    path = _save(tmp_path / "missing.pt", {"step": 1, "model_state": sd})
    with pytest.raises(CheckpointError, match="'linear.bias'"):
        SpeakerEncoder.load(path)
    sd = dict(detfill_sd, **{"lstm.weight_ih_l3": torch.zeros(1024, 256)})
    path = _save(tmp_path / "extra.pt", {"step": 1, "model_state": sd})
    with pytest.raises(CheckpointError, match="'lstm.weight_ih_l3'"):
        SpeakerEncoder.load(path)


def test_other_models_checkpoint_is_refused(tmp_path):
    path = _save(tmp_path / "synthesizer.pt", {"model_state": {"encoder.embedding.weight": torch.zeros(66, 512)}})
    with pytest.raises(CheckpointError, match="'similarity_weight'"):
        SpeakerEncoder.load(path)
    path = _save(tmp_path / "tensor.pt", torch.zeros(3))
    with pytest.raises(CheckpointError, match="tensor.pt"):
        SpeakerEncoder.load(path)


def test_non_finite_weights_are_refused(tmp_path, detfill_sd):
    sd = dict(detfill_sd)
    sd["linear.bias"] = torch.full((256,), float("nan"))
    path = _save(tmp_path / "nan.pt", {"step": 1, "model_state": sd})
    with pytest.raises(CheckpointError, match="'linear.bias'"):
        SpeakerEncoder.load(path)


def test_missing_or_altered_bundled_weights(monkeypatch, tmp_path):
    monkeypatch.setattr(encoder_module.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelAssetError, match="resemblyzer"):
        SpeakerEncoder.load()
    monkeypatch.undo()
    fake = tmp_path / "pretrained.pt"
    fake.write_bytes(b"altered")
    monkeypatch.setattr(encoder_module, "default_weights_path", lambda: fake)
    with pytest.raises(ModelAssetError, match="sha256"):
        SpeakerEncoder.load()


# ---------------------------------------------------------------------------- embed_speech input handling
def test_embed_speech_rejects_unusable_audio(det_encoder):
    sr = 16000
    cases = {
        "empty": (np.zeros(0, np.float32), sr),
        "silent": (np.zeros(sr * 2, np.float32), sr),
        "invalid samples": (np.full(sr, np.nan, np.float32), sr),
        "sample rate": (np.ones(sr, np.float32), 0),
    }
    for expected, (wav, rate) in cases.items():
        with pytest.raises(AudioError, match=expected):
            det_encoder.embed_speech(wav, rate)
    # 0.2 s of sound cannot hold 0.5 s of speech, whatever the VAD decides
    rng = np.random.RandomState(0)
    with pytest.raises(AudioError, match="speech"):
        det_encoder.embed_speech((0.1 * rng.standard_normal(3200)).astype(np.float32), sr)


def test_embed_speech_accepts_int16_stereo(ref, det_encoder):
    wav = ref["wav_4s"]
    want = det_encoder.embed_speech(wav, 16000)
    assert want.shape == (256,) and want.dtype == np.float32
    pcm = np.round(wav * 32767).astype(np.int16)
    stereo = np.stack([pcm, pcm], axis=1)
    got = det_encoder.embed_speech(stereo, 16000)
    assert float(got @ want) > 0.999


# ---------------------------------------------------------------------------- real pretrained weights
def test_pretrained_weights_load(real_encoder):
    assert real_encoder.step == 1564501
    assert real_encoder.source.endswith("pretrained.pt")
    assert real_encoder.embedding_size == 256


def test_pretrained_matches_resemblyzer_forward(ref, real_encoder):
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from resemblyzer import VoiceEncoder
    except Exception as exc:  # pragma: no cover - depends on the environment
        pytest.skip(f"resemblyzer cannot be imported ({type(exc).__name__}: {exc}); cross-check impossible")
    theirs = VoiceEncoder(device="cpu", verbose=False)
    frames = ref["frames_batch_in"]
    ours = real_encoder.embed_frames_batch(frames)
    with torch.inference_mode():
        want = theirs(torch.from_numpy(frames)).numpy()
    # Resemblyzer normalises without RTVC's +1e-5, hence ~5e-7 differences
    assert np.abs(ours - want).max() < 1e-5
    assert ours.shape == (3, 256) and ours.min() >= 0
    np.testing.assert_allclose(np.linalg.norm(ours, axis=1), 1.0, atol=2e-5)


def _gradio_clip(name: str) -> tuple[np.ndarray, int]:
    spec = importlib.util.find_spec("gradio")
    folder = Path(list(spec.submodule_search_locations)[0]) / "media_assets" / "audio" if spec else None
    if folder is None or not (folder / name).is_file():
        pytest.skip(f"speech sample {name} from the gradio package is not available")
    return load_audio(folder / name)


@pytest.fixture(scope="module")
def speech() -> dict[str, tuple[np.ndarray, int]]:
    """Real speech: the voice-cloning demo clips shipped in the gradio wheel (Apache-2.0)."""
    return {name: _gradio_clip(f"{name}.mp3") for name in ("cate_blanch", "cate_blanch_2", "heath_ledger")}


def test_real_speech_embedding_properties(real_encoder, speech):
    wav, sr = speech["cate_blanch_2"]
    a = real_encoder.embed_speech(wav, sr)
    b = real_encoder.embed_speech(wav.copy(), sr)
    assert a.shape == (256,) and a.dtype == np.float32 and a.min() >= 0
    assert np.linalg.norm(a) == pytest.approx(1.0, abs=1e-6)
    assert np.array_equal(a, b)  # deterministic


def test_time_shift_and_level_robustness(real_encoder, speech):
    wav, sr = speech["cate_blanch_2"]
    base = real_encoder.embed_speech(wav, sr)
    shifted = np.concatenate([np.zeros(int(0.37 * sr), np.float32), wav])
    assert float(base @ real_encoder.embed_speech(shifted, sr)) > 0.95
    # Below -30 dBFS the level is normalised away (increase-only normalisation) ...
    quiet = wav * np.float32(0.02)
    louder = wav * np.float32(0.04)
    assert float(real_encoder.embed_speech(quiet, sr) @ real_encoder.embed_speech(louder, sr)) > 0.999
    # ... above it the power mel keeps the level, so only approximate invariance (RTVC behaviour).
    long_wav, long_sr = speech["cate_blanch"]
    long_base = real_encoder.embed_speech(long_wav, long_sr)
    assert float(long_base @ real_encoder.embed_speech(long_wav * np.float32(1.8), long_sr)) > 0.95


def test_same_speaker_closer_than_different_speaker(real_encoder, speech):
    e = {name: real_encoder.embed_speech(*clip) for name, clip in speech.items()}
    same = float(e["cate_blanch"] @ e["cate_blanch_2"])
    different = max(float(e["cate_blanch"] @ e["heath_ledger"]), float(e["cate_blanch_2"] @ e["heath_ledger"]))
    assert same > different + 0.1, (same, different)


def test_real_speech_cross_check_with_resemblyzer(real_encoder, speech):
    """Same network on real speech partials (not just synthetic frames)."""
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from resemblyzer import VoiceEncoder
    except Exception as exc:  # pragma: no cover
        pytest.skip(f"resemblyzer cannot be imported ({type(exc).__name__}: {exc}); cross-check impossible")
    wav, sr = speech["heath_ledger"]
    processed = preprocess_wav(wav, source_sr=sr)
    frames = wav_to_mel_frames(processed)[:160][None]
    with torch.inference_mode():
        want = VoiceEncoder(device="cpu", verbose=False)(torch.from_numpy(frames)).numpy()
    assert np.abs(real_encoder.embed_frames_batch(frames) - want).max() < 1e-5


def test_preprocess_wav_from_file_resamples(tmp_path, ref):
    import soundfile as sf

    wav16 = ref["wav_4s"]
    wav48 = np.repeat(wav16, 3)  # crude 48 kHz version; only the length/rate handling is checked
    path = tmp_path / "voice.wav"
    sf.write(path, wav48, 48000, subtype="FLOAT")
    from_file = preprocess_wav(path, trim_silence=False)
    from_array = preprocess_wav(wav48, source_sr=48000, trim_silence=False)
    assert from_file.dtype == np.float32 and abs(len(from_file) - len(wav16)) <= 1
    np.testing.assert_array_equal(from_file, from_array)
    with pytest.raises(AudioError, match="not found"):
        preprocess_wav(tmp_path / "missing.wav")
    (tmp_path / "junk.wav").write_bytes(b"RIFF junk")
    with pytest.raises(AudioError, match="could not read"):
        preprocess_wav(tmp_path / "junk.wav")
