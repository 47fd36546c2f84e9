"""Text + speaker embedding -> mel spectrograms, with the released RTVC ``synthesizer.pt``.

Wraps :class:`~face2voice.sv2tts.tacotron.Tacotron` the way RTVC's ``Synthesizer`` did (strip and
clean each text, batches of 16 padded with id 0, keep the post-net output, trim trailing frames
quieter than -3.4) so spectrograms match the original for the same weights, and adds what the
original lacked: readable checkpoint errors, a seed that does not touch global RNG state, and a
long-text path that splits into utterance-sized chunks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..checkpoints import extract_state_dict, load_into, read_checkpoint
from ..errors import CheckpointError, TextError
from .hparams import MAX_REDUCTION_FACTOR, SignalParams, SynthesisParams, TacotronParams
from .tacotron import Tacotron
from .text import text_to_sequence
from .text.chunking import split_into_chunks

CHECKPOINT_FORMAT = "RTVC Tacotron synthesizer checkpoint ({'model_state', 'optimizer_state'})"


@dataclass(frozen=True)
class ChunkedSpectrograms:
    """Result of :meth:`TacotronSynthesizer.synthesize_long`: one mel per chunk, in order."""

    chunks: tuple[str, ...]
    specs: tuple[np.ndarray, ...]

    @property
    def frame_counts(self) -> tuple[int, ...]:
        return tuple(s.shape[1] for s in self.specs)


def trim_trailing_silence(spec: np.ndarray, threshold: float) -> np.ndarray:
    """Drop trailing frames whose loudest bin is below ``threshold`` (keeps at least one frame).

    All items of a batch are generated to the same length, so the shorter ones end in near-silent
    frames; the original trimmed them with the same rule (but crashed on an all-silent mel).
    """
    loud = np.flatnonzero(spec.max(axis=0) >= threshold)
    end = int(loud[-1]) + 1 if loud.size else 1
    return np.ascontiguousarray(spec[:, :end])


class TacotronSynthesizer:
    """A loaded Tacotron plus the batching/trimming conventions of RTVC's ``Synthesizer``."""

    def __init__(self, model: Tacotron, *, device: str | torch.device = "cpu",
                 settings: SynthesisParams = SynthesisParams(), signal: SignalParams = SignalParams()):
        self.device = torch.device(device)
        self.model = model.to(self.device).eval()
        self.settings = settings
        self.signal = signal

    @classmethod
    def load(cls, path: str | Path, device: str | torch.device = "cpu", *,
             params: TacotronParams = TacotronParams(), settings: SynthesisParams = SynthesisParams()
             ) -> "TacotronSynthesizer":
        """Load a ``synthesizer.pt`` strictly (every key and shape must match ``params``).

        Raises :class:`CheckpointError` naming the file, the expected format and the first bad key.
        """
        what = CHECKPOINT_FORMAT
        obj = read_checkpoint(path, what=what)
        state = extract_state_dict(obj, path=path, what=what, container_keys=("model_state",))
        model = Tacotron(params)
        load_into(model, state, path=path, what=what)
        r = model.r
        if not 1 <= r <= MAX_REDUCTION_FACTOR:
            raise CheckpointError(f"{path}: 'decoder.r' is {r}, expected 1..{MAX_REDUCTION_FACTOR} ({what}).")
        return cls(model, device=device, settings=settings)

    @property
    def sample_rate(self) -> int:
        return self.signal.sample_rate

    def _generator(self, seed: int | None) -> torch.Generator | None:
        if seed is None:
            return None
        gen = torch.Generator(device=self.device)
        gen.manual_seed(int(seed))
        return gen

    def _embeddings(self, embeddings: Sequence[np.ndarray] | np.ndarray, n: int) -> np.ndarray:
        arr = np.asarray(embeddings, dtype=np.float32)
        size = self.model.params.speaker_embedding_size
        if arr.ndim == 1:  # one voice for every text
            arr = np.broadcast_to(arr, (n, arr.shape[0]))
        if arr.ndim != 2 or arr.shape[1] != size:
            raise ValueError(f"speaker embeddings must be ({size},) or (n, {size}), got {arr.shape}")
        if arr.shape[0] != n:
            raise ValueError(f"got {n} texts but {arr.shape[0]} speaker embeddings")
        if not np.all(np.isfinite(arr)):
            raise ValueError("speaker embeddings contain NaN or infinity")
        return np.array(arr, dtype=np.float32, order="C")  # owned + writable: torch.from_numpy shares it

    def synthesize_spectrograms(self, texts: Sequence[str], embeddings: Sequence[np.ndarray] | np.ndarray,
                                seed: int | None = None) -> list[np.ndarray]:
        """One (n_mels, T) float32 mel per text, in the original's exact conventions.

        Texts are not filtered (an empty text still yields a short, meaningless mel, as in the
        original); use :meth:`synthesize_long` for user input. ``seed`` makes the always-on pre-net
        dropout reproducible; ``None`` draws from torch's global RNG like the original.
        """
        if isinstance(texts, str):
            raise TypeError("texts must be a sequence of strings, not a single string")
        n = len(texts)
        if n == 0:
            return []
        embeds = self._embeddings(embeddings, n)
        sequences = [text_to_sequence(t.strip()) for t in texts]
        generator = self._generator(seed)
        bs = self.settings.batch_size
        specs: list[np.ndarray] = []
        for start in range(0, n, bs):
            batch = sequences[start:start + bs]
            width = max(len(s) for s in batch)
            chars = np.zeros((len(batch), width), dtype=np.int64)  # pad id 0
            for i, seq in enumerate(batch):
                chars[i, :len(seq)] = seq
            chars_t = torch.from_numpy(chars).to(self.device)
            spk = torch.from_numpy(np.ascontiguousarray(embeds[start:start + bs])).to(self.device)
            _, mels, _ = self.model.generate(chars_t, spk, steps=self.settings.max_decoder_steps,
                                             generator=generator)
            for mel in mels.float().cpu().numpy():
                specs.append(trim_trailing_silence(mel, self.settings.trim_threshold))
        return specs

    def synthesize_long(self, text: str, embedding: np.ndarray, seed: int | None = None,
                        max_chars: int | None = None) -> ChunkedSpectrograms:
        """Any-length text: split into chunks of <= ``max_chars`` spoken characters, one mel each.

        See :mod:`face2voice.sv2tts.text.chunking` for the splitting rules. Raises
        :class:`TextError` if nothing speakable remains.
        """
        cap = self.settings.max_chunk_chars if max_chars is None else max_chars
        chunks = split_into_chunks(text, cap)
        if not chunks:
            raise TextError("There is nothing to say: the text has no letters or numbers.")
        specs = self.synthesize_spectrograms(chunks, np.asarray(embedding, dtype=np.float32), seed=seed)
        return ChunkedSpectrograms(tuple(chunks), tuple(specs))
