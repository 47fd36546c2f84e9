"""Lip2Speech face encoder ("FaceRecognizer", prefix ``vgg_face.`` in ``lip2speech_final.pth``).

An InceptionResnetV1 trunk (facenet layout, CASIA-WebFace initialisation) followed by a
512 -> 512 -> 256 projection that was trained contrastively to land in the GE2E speaker-embedding
space, so its ReLU + L2-normalised output can condition the SV2TTS synthesizer directly.
Module and parameter names match the checkpoint key for key; torchvision is not needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..checkpoints import extract_state_dict, load_into, read_checkpoint, strip_prefix
from ..errors import CheckpointError

InputConvention = Literal["train", "face2voice"]
FACE_WHAT = "Lip2Speech checkpoint {'state_dict'} with 'vgg_face.*' face-encoder keys (lip2speech_final.pth)"
PREFIX = "vgg_face."


@dataclass(frozen=True)
class FaceEncoderConfig:
    image_size: int = 160
    embedding_dims: int = 512
    projection_dims: int = 256
    logits_classes: int = 10575  # CASIA-WebFace head: unused at inference, kept so the keys load
    dropout: float = 0.6


class BasicConv2d(nn.Module):
    def __init__(self, cin: int, cout: int, kernel, stride=1, padding=0):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, kernel, stride=stride, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=1e-3, momentum=0.1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(self.bn(self.conv(x)))


class Block35(nn.Module):
    def __init__(self, scale: float = 1.0):
        super().__init__()
        self.scale = scale
        self.branch0 = BasicConv2d(256, 32, 1)
        self.branch1 = nn.Sequential(BasicConv2d(256, 32, 1), BasicConv2d(32, 32, 3, padding=1))
        self.branch2 = nn.Sequential(
            BasicConv2d(256, 32, 1), BasicConv2d(32, 32, 3, padding=1), BasicConv2d(32, 32, 3, padding=1))
        self.conv2d = nn.Conv2d(96, 256, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.cat([self.branch0(x), self.branch1(x), self.branch2(x)], 1)
        return F.relu(self.conv2d(y) * self.scale + x)


class Block17(nn.Module):
    def __init__(self, scale: float = 1.0):
        super().__init__()
        self.scale = scale
        self.branch0 = BasicConv2d(896, 128, 1)
        self.branch1 = nn.Sequential(
            BasicConv2d(896, 128, 1), BasicConv2d(128, 128, (1, 7), padding=(0, 3)),
            BasicConv2d(128, 128, (7, 1), padding=(3, 0)))
        self.conv2d = nn.Conv2d(256, 896, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.cat([self.branch0(x), self.branch1(x)], 1)
        return F.relu(self.conv2d(y) * self.scale + x)


class Block8(nn.Module):
    def __init__(self, scale: float = 1.0, relu: bool = True):
        super().__init__()
        self.scale = scale
        self.relu = relu
        self.branch0 = BasicConv2d(1792, 192, 1)
        self.branch1 = nn.Sequential(
            BasicConv2d(1792, 192, 1), BasicConv2d(192, 192, (1, 3), padding=(0, 1)),
            BasicConv2d(192, 192, (3, 1), padding=(1, 0)))
        self.conv2d = nn.Conv2d(384, 1792, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.cat([self.branch0(x), self.branch1(x)], 1)
        y = self.conv2d(y) * self.scale + x
        return F.relu(y) if self.relu else y


class Mixed6a(nn.Module):
    def __init__(self):
        super().__init__()
        self.branch0 = BasicConv2d(256, 384, 3, stride=2)
        self.branch1 = nn.Sequential(
            BasicConv2d(256, 192, 1), BasicConv2d(192, 192, 3, padding=1), BasicConv2d(192, 256, 3, stride=2))
        self.branch2 = nn.MaxPool2d(3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch0(x), self.branch1(x), self.branch2(x)], 1)


class Mixed7a(nn.Module):
    def __init__(self):
        super().__init__()
        self.branch0 = nn.Sequential(BasicConv2d(896, 256, 1), BasicConv2d(256, 384, 3, stride=2))
        self.branch1 = nn.Sequential(BasicConv2d(896, 256, 1), BasicConv2d(256, 256, 3, stride=2))
        self.branch2 = nn.Sequential(
            BasicConv2d(896, 256, 1), BasicConv2d(256, 256, 3, padding=1), BasicConv2d(256, 256, 3, stride=2))
        self.branch3 = nn.MaxPool2d(3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch0(x), self.branch1(x), self.branch2(x), self.branch3(x)], 1)


class InceptionResnetV1(nn.Module):
    """The trunk up to ``last_bn`` (512-d); ``logits`` exists only so the checkpoint's keys have a home."""

    def __init__(self, cfg: FaceEncoderConfig = FaceEncoderConfig(), with_logits: bool = True):
        super().__init__()
        self.conv2d_1a = BasicConv2d(3, 32, 3, stride=2)
        self.conv2d_2a = BasicConv2d(32, 32, 3)
        self.conv2d_2b = BasicConv2d(32, 64, 3, padding=1)
        self.maxpool_3a = nn.MaxPool2d(3, stride=2)
        self.conv2d_3b = BasicConv2d(64, 80, 1)
        self.conv2d_4a = BasicConv2d(80, 192, 3)
        self.conv2d_4b = BasicConv2d(192, 256, 3, stride=2)
        self.repeat_1 = nn.Sequential(*[Block35(scale=0.17) for _ in range(5)])
        self.mixed_6a = Mixed6a()
        self.repeat_2 = nn.Sequential(*[Block17(scale=0.10) for _ in range(10)])
        self.mixed_7a = Mixed7a()
        self.repeat_3 = nn.Sequential(*[Block8(scale=0.20) for _ in range(5)])
        self.block8 = Block8(relu=False)
        self.avgpool_1a = nn.AdaptiveAvgPool2d(1)
        self.dropout = nn.Dropout(cfg.dropout)
        self.last_linear = nn.Linear(1792, cfg.embedding_dims, bias=False)
        self.last_bn = nn.BatchNorm1d(cfg.embedding_dims, eps=1e-3, momentum=0.1, affine=True)
        self.logits = nn.Linear(cfg.embedding_dims, cfg.logits_classes) if with_logits else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in (self.conv2d_1a, self.conv2d_2a, self.conv2d_2b, self.maxpool_3a, self.conv2d_3b,
                      self.conv2d_4a, self.conv2d_4b, self.repeat_1, self.mixed_6a, self.repeat_2,
                      self.mixed_7a, self.repeat_3, self.block8, self.avgpool_1a):
            x = layer(x)
        x = self.dropout(x)
        return self.last_bn(self.last_linear(x.flatten(1)))


class FaceRecognizer(nn.Module):
    def __init__(self, cfg: FaceEncoderConfig = FaceEncoderConfig(), with_logits: bool = True):
        super().__init__()
        self.cfg = cfg
        self.resnet = InceptionResnetV1(cfg, with_logits=with_logits)
        self.projection_layer = nn.Sequential(
            nn.Linear(cfg.embedding_dims, cfg.embedding_dims), nn.GELU(approximate="none"),
            nn.Linear(cfg.embedding_dims, cfg.projection_dims))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Raw 256-d projection (no ReLU, no normalisation): what the contrastive loss saw."""
        return self.projection_layer(self.resnet(x))

    @torch.inference_mode()
    def inference(self, x: torch.Tensor) -> torch.Tensor:
        """Non-negative unit vectors, the same convention as GE2E speaker embeddings (eval, no grad)."""
        self.eval()
        return F.normalize(F.relu(self.forward(x)), dim=1)


class FaceEncoder:
    """Loads the face part of ``lip2speech_final.pth`` and embeds 160x160 face crops."""

    def __init__(self, model: FaceRecognizer):
        self.model = model.eval()

    @classmethod
    def load(cls, path: str | Path, cfg: FaceEncoderConfig = FaceEncoderConfig()) -> FaceEncoder:
        """Takes ``vgg_face.*`` and ignores the lip-reading ``encoder.*``/``decoder.*``/``speaker_encoder.*``.

        The CASIA logits head (21 MB of the file, never used) may be present or absent.
        """
        obj = read_checkpoint(path, what=FACE_WHAT)
        state = extract_state_dict(obj, path=path, what=FACE_WHAT, container_keys=("state_dict",))
        face = strip_prefix(state, PREFIX)
        if not face:
            raise CheckpointError(
                f"{path}: not a {FACE_WHAT}: no key starts with '{PREFIX}' "
                f"(first key: '{next(iter(state), 'none')}').")
        model = FaceRecognizer(cfg, with_logits=False)
        load_into(model, {k: v for k, v in face.items() if not k.startswith("resnet.logits.")},
                  path=path, what=FACE_WHAT)
        for key, value in model.state_dict().items():
            if value.is_floating_point() and not torch.isfinite(value).all():
                raise CheckpointError(f"{path}: tensor '{PREFIX}{key}' contains NaN or infinite values.")
        return cls(model)

    @staticmethod
    def preprocess(faces: np.ndarray, mode: InputConvention = "train") -> torch.Tensor:
        """uint8 RGB (160,160,3) or (N,160,160,3) -> (N,3,160,160) float32 network input.

        'train' is the convention the projection was trained with (RGB, (x-127.5)/128); 'face2voice'
        reproduces the original app (channels reversed to BGR, x/255) for bit-compatible output.
        """
        arr = np.asarray(faces)
        if arr.ndim == 3:
            arr = arr[None]
        if arr.ndim != 4 or arr.shape[-1] != 3:
            raise ValueError(f"expected RGB face crop(s) of shape (H, W, 3) or (N, H, W, 3), got {arr.shape}")
        x = torch.from_numpy(np.array(arr, copy=True)).permute(0, 3, 1, 2).float()
        if mode == "train":
            return (x - 127.5) / 128.0
        if mode == "face2voice":
            return x.flip(1) / 255.0
        raise ValueError(f"unknown input convention {mode!r}; use 'train' or 'face2voice'")

    @torch.inference_mode()
    def embed(self, faces: np.ndarray, mode: InputConvention = "train") -> np.ndarray:
        """256-d ReLU + L2-normalised float32 embedding(s); a single crop gives shape (256,)."""
        single = np.asarray(faces).ndim == 3
        out = self.model.inference(self.preprocess(faces, mode)).numpy().astype(np.float32)
        return out[0] if single else out

    @torch.inference_mode()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Raw projection for a preprocessed batch (N,3,160,160)."""
        return self.model(x)

    @torch.inference_mode()
    def last_bn(self, x: torch.Tensor) -> torch.Tensor:
        """The trunk's 512-d ``last_bn`` output for a preprocessed batch."""
        return self.model.resnet(x)
