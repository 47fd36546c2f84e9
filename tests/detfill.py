"""The fixtures' deterministic synthetic-weight recipe ("detfill", shared/reference/fixtures/README.md).

Tests rebuild full-size synthetic checkpoints from the manifests with this instead of committing
hundreds of MB of ``.pt`` files.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping

import numpy as np
import torch


def detfill_value(key: str, shape: tuple[int, ...]) -> np.ndarray:
    seed = zlib.crc32(key.encode("utf-8")) & 0x7FFFFFFF
    n = int(np.prod(shape)) if shape else 1
    z = np.random.RandomState(seed).standard_normal(n)
    z = z.reshape(shape) if shape else z.reshape(())
    if key.endswith("running_var"):
        v = 1 + 0.25 * np.abs(z)
    elif key.endswith("running_mean"):
        v = 0.1 * z
    elif len(shape) >= 2:
        v = z / np.sqrt(np.prod(shape[1:]))
    elif key.endswith(".weight") and len(shape) == 1:
        v = 1 + 0.1 * z
    else:
        v = 0.1 * z
    return v.astype(np.float32)


def detfill_state(template: Mapping[str, torch.Tensor], keep: Mapping[str, float] | None = None) -> dict[str, torch.Tensor]:
    """Fill every floating-point tensor of ``template`` by the recipe; integer tensors are kept.

    ``keep`` maps keys whose constructed value must be kept as-is (Tacotron's ``stop_threshold``).
    """
    keep = keep or {}
    out: dict[str, torch.Tensor] = {}
    for key, tensor in template.items():
        if key in keep or not tensor.is_floating_point():
            out[key] = tensor.clone()
        else:
            out[key] = torch.from_numpy(detfill_value(key, tuple(tensor.shape))).to(tensor.dtype)
    return out
