"""Full-size synthetic checkpoints in the ORIGINAL container formats, built with the fixtures' recipe.

The real files (17 / 371 / 54 / 265 MB) cannot be fetched here, so tests write detfill weights
into exactly the containers the original code saved, then load them through our real loaders.
"""

from __future__ import annotations

from pathlib import Path

import torch

from .detfill import detfill_state


def write_encoder(path: Path) -> Path:
    from face2voice.speaker_encoder.model import GE2ENet

    torch.save({"step": 1, "model_state": detfill_state(GE2ENet().state_dict())}, path)
    return path


def write_synthesizer(path: Path) -> Path:
    from face2voice.sv2tts.hparams import TacotronParams
    from face2voice.sv2tts.tacotron import Tacotron

    state = detfill_state(Tacotron(TacotronParams()).state_dict(), keep={"stop_threshold": -3.4})
    torch.save({"model_state": state}, path)
    return path


def write_vocoder(path: Path) -> Path:
    from face2voice.sv2tts.wavernn import WaveRNN, WaveRNNConfig

    torch.save({"model_state": detfill_state(WaveRNN(WaveRNNConfig()).state_dict())}, path)
    return path


def write_lip2speech(path: Path) -> Path:
    """``{'state_dict'}`` with the face encoder under ``vgg_face.`` beside other Lip2Speech parts."""
    from face2voice.sv2tts.face_encoder import FaceRecognizer

    face = detfill_state(FaceRecognizer(with_logits=True).state_dict())
    state = {f"vgg_face.{k}": v for k, v in face.items()}
    state["encoder.frontend.0.weight"] = torch.zeros(4, 1, 3, 3, 3)  # lip-reading parts are ignored
    state["speaker_encoder.linear.weight"] = torch.zeros(256, 256)
    torch.save({"state_dict": state}, path)
    return path


def write_all(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    write_encoder(directory / "encoder.pt")
    write_synthesizer(directory / "synthesizer.pt")
    write_vocoder(directory / "vocoder.pt")
    write_lip2speech(directory / "lip2speech_final.pth")
    return directory
