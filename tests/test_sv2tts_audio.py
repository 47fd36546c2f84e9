"""The synthesizer's mel space and Griffin-Lim path against the original (librosa 0.9.2) outputs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from face2voice.sv2tts import audio

FIX = np.load(Path(__file__).parent / "fixtures" / "audio_synth.npz")


def test_mel_basis_matches():
    np.testing.assert_allclose(audio.mel_basis(), FIX["mel_basis"], rtol=0, atol=1e-7)


def test_preemphasis_and_inverse():
    np.testing.assert_allclose(audio.preemphasis(FIX["wav"]), FIX["preemph"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(audio.inv_preemphasis(FIX["wav"]), FIX["inv_preemph"], rtol=0, atol=1e-12)


def test_mel_and_linear_spectrograms():
    mel = audio.melspectrogram(FIX["wav"])
    lin = audio.linearspectrogram(FIX["wav"])
    assert mel.shape == (80, 121) and lin.shape == (401, 121)
    np.testing.assert_allclose(mel, FIX["mel"], rtol=0, atol=1e-5)
    np.testing.assert_allclose(lin, FIX["linear"], rtol=0, atol=1e-5)


def test_griffin_lim_linear_magnitude():
    got = audio.mel_to_linear_magnitude(FIX["gl_input_mel"])
    # 1e-5 relative; the absolute floor covers a few near-zero, cancellation-prone bins whose float32
    # BLAS result depends on the thread count (bit-exact with OPENBLAS_NUM_THREADS=1).
    np.testing.assert_allclose(got, FIX["gl_linear_magnitude"], rtol=1e-5, atol=2e-6)


@pytest.fixture(scope="module")
def gl_wav():
    return audio.inv_mel_spectrogram(FIX["gl_input_mel"], rng=np.random.RandomState(0))


def test_griffin_lim_uses_the_same_initial_phases():
    np.testing.assert_array_equal(np.random.RandomState(0).rand(401, 121), FIX["gl_init_rand"])


def test_griffin_lim_waveform(gl_wav):
    ref = FIX["gl_wav"]
    assert gl_wav.shape == ref.shape
    # Not bit-exact: 60 iterations amplify last-ulp differences of CPU-specific exp/arctan2 code;
    # observed max deviation 7.5e-6 on a 1.3-peak signal.
    np.testing.assert_allclose(gl_wav, ref, rtol=0, atol=5e-5)
    got_mag, ref_mag = np.abs(audio.stft(gl_wav)), np.abs(audio.stft(ref))
    assert np.abs(got_mag - ref_mag).max() <= 1e-3 * ref_mag.max()


def test_griffin_lim_is_seeded_without_global_state():
    mel = FIX["gl_input_mel"][:, :20]
    state = np.random.get_state()
    a = audio.inv_mel_spectrogram(mel, rng=np.random.default_rng(5))
    b = audio.inv_mel_spectrogram(mel, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    assert np.array_equal(np.random.get_state()[1], state[1])


def test_stft_round_trip_and_frame_count():
    x = np.random.default_rng(0).standard_normal(4000)
    spec = audio.stft(x)
    assert spec.shape == (401, 1 + 4000 // 200)
    np.testing.assert_allclose(audio.istft(spec), x, atol=1e-10)
