"""Loading PyTorch checkpoints safely and explaining every way they can be wrong.

All original checkpoints (RTVC ``encoder.pt``/``synthesizer.pt``/``vocoder.pt``, Lip2Speech
``lip2speech_final.pth``) are dicts of tensors wrapped in a small container. We always load with
``weights_only=True`` (no pickle code execution) and turn each failure into a
:class:`~face2voice.errors.CheckpointError` naming the file, the expected format and the first
mismatching key, because a raw ``RuntimeError: Error(s) in loading state_dict`` helps nobody.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import torch
from torch import nn

from .errors import CheckpointError

StateDict = dict[str, torch.Tensor]


def read_checkpoint(path: str | Path, *, what: str) -> object:
    """``torch.load`` with ``weights_only=True`` and readable errors.

    ``what`` describes the expected file (e.g. "RTVC Tacotron synthesizer checkpoint
    {'model_state', 'optimizer_state'}") and is quoted in every message.
    """
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"{path}: file not found (expected a {what}).", code="missing_checkpoint")
    if path.is_dir():
        raise CheckpointError(f"{path}: is a directory, expected a {what} file.")
    if path.stat().st_size == 0:
        raise CheckpointError(f"{path}: file is empty (expected a {what}).")
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except (zipfile.BadZipFile, EOFError, RuntimeError, ValueError, OSError) as exc:
        raise CheckpointError(
            f"{path}: could not be read as a PyTorch checkpoint; it may be truncated or corrupt "
            f"(expected a {what}). Detail: {_first_line(exc)}"
        ) from exc
    except Exception as exc:  # pickle.UnpicklingError: garbage bytes, or disallowed globals
        if "Unsupported global" not in str(exc) and "GLOBAL" not in str(exc):
            raise CheckpointError(
                f"{path}: is not a PyTorch checkpoint or is corrupt (expected a {what})."
            ) from exc
        raise CheckpointError(
            f"{path}: refused to load: it contains objects other than tensors "
            f"(loaded with weights_only=True; expected a {what}). Detail: {_first_line(exc)}"
        ) from exc


def extract_state_dict(
    obj: object, *, path: str | Path, what: str, container_keys: Iterable[str] = ("model_state",),
    allow_bare: bool = True,
) -> StateDict:
    """Pick the state dict out of a checkpoint container (``{'model_state': sd, ...}`` or bare)."""
    if not isinstance(obj, Mapping):
        raise CheckpointError(f"{path}: expected a dict-like {what}, found {type(obj).__name__}.")
    for key in container_keys:
        if key in obj:
            inner = obj[key]
            if not isinstance(inner, Mapping):
                raise CheckpointError(f"{path}: entry '{key}' is {type(inner).__name__}, expected a state dict.")
            return _tensors_only(inner, path=path, what=what)
    if allow_bare and obj and all(isinstance(v, torch.Tensor) for v in obj.values()):
        return dict(obj)
    keys = ", ".join(repr(k) for k in list(obj)[:6])
    wanted = " or ".join(repr(k) for k in container_keys)
    raise CheckpointError(
        f"{path}: not a {what}: no {wanted} entry (top-level keys: {keys or 'none'})."
    )


def strip_prefix(state: Mapping[str, torch.Tensor], prefix: str) -> StateDict:
    """Keys under ``prefix`` with the prefix removed; everything else is dropped."""
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


def load_into(
    module: nn.Module, state: Mapping[str, torch.Tensor], *, path: str | Path, what: str,
    optional: Iterable[str] = (),
) -> None:
    """Strict, key-for-key load with a message naming the first missing/unexpected/mis-shaped key.

    ``optional`` lists key prefixes that may be absent from ``state`` (they keep the module's
    values) or present without a home in the module (they are ignored).
    """
    optional = tuple(optional)
    own = module.state_dict()
    state = {k: v for k, v in state.items() if k in own or not k.startswith(optional)}
    missing = [k for k in own if k not in state and not k.startswith(optional)]
    unexpected = [k for k in state if k not in own]
    if missing:
        raise CheckpointError(
            f"{path}: does not match the {what}: first missing key '{missing[0]}' "
            f"({len(missing)} missing in all). Is this the right file for this model?"
        )
    if unexpected:
        raise CheckpointError(
            f"{path}: does not match the {what}: first unexpected key '{unexpected[0]}' "
            f"({len(unexpected)} unexpected in all). Is this the right file for this model?"
        )
    for key, value in state.items():
        want = own[key].shape
        if tuple(value.shape) != tuple(want):
            raise CheckpointError(
                f"{path}: does not match the {what}: key '{key}' has shape {tuple(value.shape)}, "
                f"expected {tuple(want)} (a checkpoint from a differently sized model?)."
            )
    merged = dict(own)
    merged.update(state)
    module.load_state_dict(merged, strict=True)


def _tensors_only(state: Mapping[str, object], *, path: str | Path, what: str) -> StateDict:
    for key, value in state.items():
        if not isinstance(value, torch.Tensor):
            raise CheckpointError(f"{path}: entry '{key}' is {type(value).__name__}, not a tensor ({what}).")
    return dict(state)  # type: ignore[arg-type]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
