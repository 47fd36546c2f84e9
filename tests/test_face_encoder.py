"""Lip2Speech face encoder: detfill recipe check, parity with the reference forward, checkpoint loading."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from face2voice.errors import CheckpointError
from face2voice.sv2tts.face_encoder import FaceEncoder, FaceRecognizer
from tests.detfill import detfill_state, detfill_value

FIX = Path(__file__).parent / "fixtures"
FACE_KEYS = "face_encoder_only_state_dict (FaceRecognizer, keys without 'vgg_face.' prefix)"



@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((FIX / "manifest_face_encoder.json").read_text())


@pytest.fixture(scope="module")
def state(manifest) -> dict[str, torch.Tensor]:
    template = FaceRecognizer().state_dict()
    want = manifest[FACE_KEYS]
    assert list(template) == list(want)
    assert all(list(template[k].shape) == v["shape"] for k, v in want.items())
    return detfill_state(template)


@pytest.fixture(scope="module")
def ckpt(state, tmp_path_factory) -> Path:
    """A Lip2Speech-shaped file: face keys under 'vgg_face.' plus the lip-reading model's prefixes."""
    sd = {"vgg_face." + k: v for k, v in state.items()}
    sd["encoder.frontend.0.weight"] = torch.zeros(4, 3)
    sd["decoder.lstm.weight_ih_l0"] = torch.zeros(8, 4)
    sd["speaker_encoder.linear.weight"] = torch.zeros(256, 256)
    path = tmp_path_factory.mktemp("face") / "lip2speech_final.pth"
    torch.save({"state_dict": sd}, path)
    return path


@pytest.fixture(scope="module")
def encoder(ckpt) -> FaceEncoder:
    return FaceEncoder.load(ckpt)


@pytest.fixture(scope="module")
def fx():
    return np.load(FIX / "face_encoder.npz")


def test_detfill_recipe_matches_reference_checksums():
    sums = json.loads((FIX / "face_encoder_detfill_checksums.json").read_text())
    for key in ["resnet.conv2d_1a.conv.weight", "resnet.conv2d_1a.bn.running_var", "resnet.repeat_2.3.conv2d.bias",
                "resnet.last_bn.weight", "resnet.last_bn.running_mean", "projection_layer.2.weight"]:
        v = detfill_value(key, tuple(sums[key]["shape"]))
        assert abs(float(v.astype(np.float64).sum()) - sums[key]["sum"]) < 1e-6 * max(1.0, abs(sums[key]["sum"]))
        np.testing.assert_array_equal(v.reshape(-1)[:4], np.float32(sums[key]["first4"]))


@pytest.mark.slow
@pytest.mark.parametrize("name", ["x01", "xstd"])
def test_forward_matches_reference(encoder, fx, name):
    x = torch.from_numpy(fx[name])
    assert np.abs(encoder.last_bn(x).numpy() - fx[f"last_bn_{name}"]).max() < 1e-4
    assert np.abs(encoder.forward(x).numpy() - fx[f"projection_{name}"]).max() < 1e-4
    emb = encoder.model.inference(x).numpy()
    assert np.abs(emb - fx[f"embed_{name}"]).max() < 1e-5


@pytest.mark.slow
def test_embed_input_conventions(encoder, fx):
    """uint8 RGB crops: each convention builds the input the reference parity test uses (x01 / xstd)."""
    crops = np.random.RandomState(5).randint(0, 256, (2, 160, 160, 3)).astype(np.uint8)
    f2v = encoder.embed(crops, mode="face2voice")
    train = encoder.embed(crops, mode="train")
    assert f2v.dtype == np.float32 and f2v.shape == (2, 256)
    np.testing.assert_allclose(np.linalg.norm(train, axis=1), 1.0, atol=1e-5)
    assert (train >= 0).all()
    single = encoder.embed(crops[0])
    assert single.shape == (256,) and np.abs(single - train[0]).max() < 1e-5
    x_bgr = FaceEncoder.preprocess(crops, "face2voice")
    x_std = FaceEncoder.preprocess(crops, "train")
    np.testing.assert_allclose(x_bgr.numpy(), crops.transpose(0, 3, 1, 2)[:, ::-1] / 255.0, atol=1e-7)
    np.testing.assert_allclose(x_std.numpy(), (crops.transpose(0, 3, 1, 2) - 127.5) / 128.0, atol=1e-7)
    assert np.abs(encoder.model.inference(x_bgr).numpy() - f2v).max() < 1e-6


def test_loads_with_and_without_logits_and_bare(state, tmp_path):
    no_logits = {"vgg_face." + k: v for k, v in state.items() if not k.startswith("resnet.logits.")}
    torch.save(no_logits, tmp_path / "bare.pth")
    loaded = FaceEncoder.load(tmp_path / "bare.pth").model.state_dict()
    assert not any(k.startswith("resnet.logits.") for k in loaded)
    for key in ("resnet.conv2d_1a.conv.weight", "projection_layer.2.weight", "resnet.last_bn.running_var"):
        assert torch.equal(loaded[key], state[key])


def _expect(path: Path, *fragments: str) -> None:
    with pytest.raises(CheckpointError) as err:
        FaceEncoder.load(path)
    msg = str(err.value)
    assert str(path) in msg
    for frag in fragments:
        assert frag in msg, msg


def test_bad_checkpoints(ckpt, state, tmp_path):
    _expect(tmp_path / "missing.pth", "not found")
    data = ckpt.read_bytes()
    (tmp_path / "trunc.pth").write_bytes(data[: len(data) // 2])
    _expect(tmp_path / "trunc.pth", "truncated or corrupt")
    torch.save({"state_dict": {"encoder.x": torch.zeros(1)}}, tmp_path / "noface.pth")
    _expect(tmp_path / "noface.pth", "vgg_face.")
    sd = {"vgg_face." + k: v for k, v in state.items()}
    bad_shape = dict(sd, **{"vgg_face.projection_layer.2.weight": torch.zeros(128, 512)})
    torch.save({"state_dict": bad_shape}, tmp_path / "shape.pth")
    _expect(tmp_path / "shape.pth", "'projection_layer.2.weight'", "(128, 512)")
    gone = {k: v for k, v in sd.items() if k != "vgg_face.resnet.mixed_6a.branch0.conv.weight"}
    torch.save({"state_dict": gone}, tmp_path / "gone.pth")
    _expect(tmp_path / "gone.pth", "'resnet.mixed_6a.branch0.conv.weight'")
    extra = dict(sd, **{"vgg_face.resnet.extra.weight": torch.zeros(1)})
    torch.save({"state_dict": extra}, tmp_path / "extra.pth")
    _expect(tmp_path / "extra.pth", "'resnet.extra.weight'")


@pytest.mark.slow
def test_original_app_crop_conventions_and_embeddings(encoder):
    """The Face2Voice app's MTCNN crop (fixture): both input conventions and their embeddings.

    We detect faces with BlazeFace instead of MTCNN (no torchvision here, and the eye-aligned crop
    is the training convention), so the crop itself is taken from the fixture; from the crop on,
    the path is the original's.
    """
    with np.load(FIX / "face_preprocess_mtcnn.npz") as fx:
        crop = fx["saved_crop_rgb_uint8"]
        np.testing.assert_allclose(FaceEncoder.preprocess(crop, "face2voice").numpy(), fx["face2voice_input_bgr01"], atol=1e-6)
        np.testing.assert_allclose(FaceEncoder.preprocess(crop, "train").numpy(), fx["train_style_input_rgb_std"], atol=1e-6)
        np.testing.assert_allclose(encoder.embed(crop, mode="face2voice"), fx["embed_face2voice_input"][0], atol=1e-5)
        np.testing.assert_allclose(encoder.embed(crop, mode="train"), fx["embed_train_style_input"][0], atol=1e-5)
        x = torch.from_numpy(fx["mtcnn_return_tensor"][None])
        np.testing.assert_allclose(encoder.model.inference(x).numpy(), fx["embed_mtcnn_return_tensor"], atol=1e-5)
