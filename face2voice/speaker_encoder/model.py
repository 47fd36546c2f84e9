"""The GE2E network (RTVC ``encoder/model.py`` inference path).

Parameter names and registration must match RTVC's state dict key for key, so a real
``encoder.pt`` (or Resemblyzer's ``pretrained.pt``) loads strictly without renaming.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class ModelParams:
    """RTVC ``encoder/params_model.py``; the pretrained checkpoint only fits these sizes."""

    n_mels: int = 40
    hidden_size: int = 256
    embedding_size: int = 256
    num_layers: int = 3
    # GE2E similarity scale/bias initial values; only used by the training loss, but they are in
    # every checkpoint, so they must exist for a strict load.
    init_similarity_weight: float = 10.0
    init_similarity_bias: float = -5.0
    norm_eps: float = 1e-5


class GE2ENet(nn.Module):
    """LSTM over power-mel frames -> last hidden state -> Linear -> ReLU -> L2 normalise.

    The ReLU makes embeddings non-negative, so cosine similarities between them lie in [0, 1]; the
    1e-5 in the normaliser is RTVC's (Resemblyzer omits it; the difference is < 1e-6).
    """

    def __init__(self, params: ModelParams = ModelParams()):
        super().__init__()
        self.params = params
        self.lstm = nn.LSTM(
            input_size=params.n_mels,
            hidden_size=params.hidden_size,
            num_layers=params.num_layers,
            batch_first=True,
        )
        self.linear = nn.Linear(params.hidden_size, params.embedding_size)
        self.similarity_weight = nn.Parameter(torch.tensor([params.init_similarity_weight]))
        self.similarity_bias = nn.Parameter(torch.tensor([params.init_similarity_bias]))

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """(batch, n_frames, n_mels) power mel -> (batch, embedding_size) unit-norm embeddings."""
        _, (hidden, _) = self.lstm(frames)
        raw = torch.relu(self.linear(hidden[-1]))
        return raw / (torch.linalg.vector_norm(raw, dim=1, keepdim=True) + self.params.norm_eps)
