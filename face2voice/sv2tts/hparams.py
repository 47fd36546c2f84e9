"""Hyperparameters of the RTVC synthesizer, as immutable values.

They are frozen because they are not tunables: the signal parameters define the mel space the
pretrained Tacotron and WaveRNN were trained in, and the Tacotron sizes must match a checkpoint's
tensor shapes. Defaults reproduce the released models; the reduced test configuration is built by
passing other sizes to :class:`TacotronParams`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields


@dataclass(frozen=True)
class SignalParams:
    """Mel / STFT / Griffin-Lim settings (RTVC ``synthesizer/hparams.py``)."""

    sample_rate: int = 16_000
    n_fft: int = 800
    hop_size: int = 200
    win_size: int = 800
    num_mels: int = 80
    fmin: float = 55.0
    fmax: float = 7600.0
    min_level_db: float = -100.0
    ref_level_db: float = 20.0
    preemphasis: float = 0.97
    preemphasize: bool = True
    max_abs_value: float = 4.0
    symmetric_mels: bool = True
    clip_mels: bool = True
    power: float = 1.5
    griffin_lim_iters: int = 60

    @property
    def num_freq(self) -> int:
        return self.n_fft // 2 + 1


@dataclass(frozen=True)
class TacotronParams:
    """Constructor arguments of the Tacotron; defaults are the released ``synthesizer.pt`` sizes.

    Field names match the original constructor keyword arguments so a recorded config
    (``constructor_kwargs`` in the fixtures) can be splatted in directly.
    """

    embed_dims: int = 512
    num_chars: int = 66
    encoder_dims: int = 256
    decoder_dims: int = 128
    n_mels: int = 80
    fft_bins: int = 80
    postnet_dims: int = 512
    encoder_K: int = 5
    lstm_dims: int = 1024
    postnet_K: int = 5
    num_highways: int = 4
    dropout: float = 0.5
    stop_threshold: float = -3.4
    speaker_embedding_size: int = 256

    @classmethod
    def from_mapping(cls, values: Mapping[str, object]) -> "TacotronParams":
        """Build from a dict, rejecting unknown names (a typo must not silently fall back to a default)."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown Tacotron parameter(s): {unknown}")
        return cls(**values)  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class SynthesisParams:
    """Inference-time settings of the synthesizer wrapper."""

    batch_size: int = 16          # RTVC synthesis_batch_size
    max_decoder_steps: int = 2000  # frames; generate() gives up after this many
    trim_threshold: float = -3.4  # trailing frames whose max is below this are silence (tts_stop_threshold)
    max_chunk_chars: int = 150    # long-text splitting cap, in cleaned characters (see text.chunking)


MAX_REDUCTION_FACTOR = 20  # mel_proj always predicts 20 frames; the first r are used
