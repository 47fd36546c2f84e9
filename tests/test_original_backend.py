"""The original-checkpoint backend end to end: photo + text -> wav through the real loaders.

Weights are synthetic (the real files are not obtainable offline), so the audio is noise-like;
what is tested is that every loader, the routing between embedding sources and synthesizers,
determinism and error reporting work at full model size.
"""

from __future__ import annotations

import numpy as np
import pytest

from face2voice import Face2Voice, PipelineConfig, VoiceControls
from face2voice.errors import Face2VoiceError
from face2voice.original_models import OriginalModels, OriginalSettings

from .original_checkpoints import write_all, write_synthesizer

pytestmark = pytest.mark.slow
TEXT = "Hello there."
FAST = OriginalSettings(max_decoder_steps=40)  # synthetic weights never emit a stop token



@pytest.fixture(scope="module")
def full_pipeline(tmp_path_factory):
    models = write_all(tmp_path_factory.mktemp("savedmodels"))
    f2v = Face2Voice.load(PipelineConfig(models_dir=models, original=FAST))
    yield f2v
    f2v.close()


def test_all_backends_available_and_auto_picks_original(full_pipeline):
    assert full_pipeline.available_backends() == ["embedded", "original", "face-encoder+kokoro", "attributes+tacotron"]
    assert full_pipeline.resolve_backend("auto") == "original"
    status = full_pipeline.original.status
    assert set(status.loaded) == {"encoder", "synthesizer", "vocoder", "face_encoder"} and not status.errors
    # the synthetic encoder.pt is not the published GE2E: the status says bank comparisons are approximate
    assert any("differs from the bundled GE2E" in n for n in status.notes)
    assert full_pipeline.encoder is full_pipeline.original.encoder  # encoder.pt replaces the bundled GE2E
    assert full_pipeline.original.synthesizer.vocoder_name == "wavernn"


def test_photo_to_wav_through_original_models(full_pipeline, examples_dir):
    r = full_pipeline.speak(examples_dir / "obama.jpg", TEXT, VoiceControls(seed=3), backend="original")
    assert r.backend == "original" and r.sample_rate == 16_000
    # Synthetic weights: Tacotron's stop rule (t > 10) fires after >= 12 frames; the vocoder gives
    # (frames - 1) * 200 samples, then the original app's 0.15 s pause is appended.
    assert r.waveform.size >= 11 * 200 + 2400
    assert r.mel.shape == (80, r.waveform.size // 200 + 1)
    assert np.isfinite(r.waveform).all() and 0 < np.abs(r.waveform).max() <= 0.97 + 1e-6
    face_emb = full_pipeline.original.face_encoder.embed(r.face.aligned_crop)
    assert np.allclose(r.embedding, face_emb, atol=1e-6)  # Tacotron was conditioned on the face encoder
    assert (r.embedding >= 0).all() and abs(np.linalg.norm(r.embedding) - 1) < 1e-5
    again = full_pipeline.speak(examples_dir / "obama.jpg", TEXT, VoiceControls(seed=3), backend="original")
    assert np.array_equal(r.waveform, again.waveform)


def test_mix_and_match_routes(full_pipeline, examples_dir):
    face = full_pipeline.analyze_face(examples_dir / "astronaut.png")
    fe = full_pipeline.design_voice(face, backend="face-encoder+kokoro")
    r1 = full_pipeline.synthesize(fe, TEXT, face=face, backend="face-encoder+kokoro")
    assert r1.sample_rate == 24_000 and r1.backend == "face-encoder+kokoro"
    attrs = full_pipeline.design_voice(face, backend="attributes+tacotron")
    r2 = full_pipeline.synthesize(attrs, TEXT, face=face, backend="attributes+tacotron")
    assert r2.sample_rate == 16_000 and np.allclose(r2.embedding, full_pipeline.design_voice(face).target_embedding)


def test_reference_voice_drives_tacotron(full_pipeline, pipeline, examples_dir):
    clip = pipeline.speak(examples_dir / "luispedro.jpg", "This is my voice, recorded for cloning.")
    emb = full_pipeline.embed_reference_voice(clip.waveform, clip.sample_rate)
    design = full_pipeline.design_from_embedding(emb)
    assert np.allclose(design.target_embedding, emb / np.linalg.norm(emb), atol=1e-6)
    r = full_pipeline.synthesize(design, TEXT, backend="attributes+tacotron")
    assert r.sample_rate == 16_000 and r.waveform.size > 0


def test_griffin_lim_when_no_vocoder(tmp_path):
    write_synthesizer(tmp_path / "synthesizer.pt")
    models = OriginalModels.scan(tmp_path, FAST)
    assert models.synthesizer.vocoder_name == "griffinlim"
    assert "vocoder" in models.status.missing
    wav, mel = models.synthesizer.speak(["Hi there."], np.full(256, 1 / 16, np.float32), seed=1)
    assert mel.shape[0] == 80 and wav.size > 0


def test_broken_checkpoint_is_reported_by_name(tmp_path, pipeline):
    (tmp_path / "synthesizer.pt").write_bytes(b"PK\x03\x04 truncated zip")
    (tmp_path / "vocoder.pt").write_bytes(b"")
    models = OriginalModels.scan(tmp_path)
    assert models.synthesizer is None
    assert "synthesizer.pt" in models.status.errors["synthesizer"]
    assert "vocoder" in models.status.errors  # present but unusable without a synthesizer
    f2v = Face2Voice(pipeline.config, pipeline.detector, pipeline.attributes, pipeline.encoder, pipeline.bank,
                     pipeline.engine, original=models)
    with pytest.raises(Face2VoiceError, match="synthesizer.pt"):
        f2v.resolve_backend("original")
    assert f2v.resolve_backend("auto") == "embedded"
