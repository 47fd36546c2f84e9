"""The original Face2Voice models (SV2TTS + Lip2Speech face encoder), loaded from ``savedmodels/``.

Each file is optional: with ``synthesizer.pt`` the Tacotron synthesizer becomes available
(``vocoder.pt`` upgrades it from Griffin-Lim to WaveRNN), ``lip2speech_final.pth`` adds the face
encoder, ``encoder.pt`` replaces the bundled GE2E weights (they are the same model). A file that
is present but broken is reported with the loader's specific message instead of being skipped
silently, because a user who put it there expects it to be used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from .errors import CheckpointError

CHECKPOINT_FILES = {
    "encoder": "encoder.pt",
    "synthesizer": "synthesizer.pt",
    "vocoder": "vocoder.pt",
    "face_encoder": "lip2speech_final.pth",
}
VocoderChoice = Literal["auto", "wavernn", "griffinlim"]
GAP_SECONDS = 0.15  # the original app's silence after each line


@dataclass(frozen=True)
class OriginalSettings:
    """How the original models run (defaults = the original code's)."""

    vocoder: VocoderChoice = "auto"
    max_decoder_steps: int = 2000  # Tacotron frames per chunk before giving up
    max_chunk_chars: int = 150  # Tacotron attention fails on long inputs: chunk per ~sentence
    wavernn_mode: Literal["fast", "exact"] = "fast"  # same sampling distribution, ~3x faster
    face_input: Literal["train", "face2voice"] = "train"  # face-encoder input convention


@dataclass(frozen=True)
class ModelStatus:
    """What was found in the models directory, for the UI's status panel and ``--json`` output."""

    models_dir: Path
    loaded: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    errors: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # loaded fine, but worth knowing

    def describe(self) -> str:
        if not self.loaded and not self.errors:
            return f"No original checkpoints in {self.models_dir} (embedded models only)."
        parts = [f"loaded: {', '.join(self.loaded) or 'none'}"]
        if self.missing:
            parts.append(f"missing: {', '.join(self.missing)}")
        parts += [f"{name}: {msg}" for name, msg in self.errors.items()]
        parts += list(self.notes)
        return f"{self.models_dir}: " + "; ".join(parts)


class SV2TTSSynthesizer:
    """Tacotron -> vocoder, conditioned on any 256-d GE2E-space embedding."""

    sample_rate = 16_000

    def __init__(self, synthesizer, vocoder, vocoder_name: str, settings: OriginalSettings):
        self.synthesizer = synthesizer
        self.vocoder = vocoder
        self.vocoder_name = vocoder_name
        self.settings = settings

    def speak(
        self, sentences: Sequence[str], embedding: np.ndarray, seed: int | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(waveform 16 kHz, concatenated mel) for the sentences, each chunked for Tacotron.

        Like the original app the chunks' mels are vocoded in one pass, cut back at the chunk
        boundaries and joined with 0.15 s pauses; unlike it, empty chunks never reach the model.
        """
        from .sv2tts.postprocess import join_with_silence
        from .sv2tts.text.chunking import split_into_chunks

        chunks = [c for s in sentences for c in split_into_chunks(s, self.settings.max_chunk_chars)]
        if not chunks:
            from .errors import TextError

            raise TextError("There is nothing to say: the text has no letters or numbers.")
        specs = self.synthesizer.synthesize_spectrograms(chunks, np.asarray(embedding, np.float32), seed=seed)
        if progress:
            progress(0.5)
        mel = np.concatenate(specs, axis=1)
        if mel.shape[1] < 2:
            mel = np.pad(mel, ((0, 0), (0, 2 - mel.shape[1])), constant_values=-4.0)
        wav = self.vocoder.infer(mel, seed=seed)
        wav = join_with_silence(np.asarray(wav), [s.shape[1] for s in specs], gap_seconds=GAP_SECONDS)
        return wav.astype(np.float32), mel


@dataclass
class OriginalModels:
    """The subset of original models found; any field may be None."""

    status: ModelStatus
    synthesizer: SV2TTSSynthesizer | None = None
    face_encoder: object | None = None  # sv2tts.face_encoder.FaceEncoder
    encoder: object | None = None  # speaker_encoder.SpeakerEncoder from RTVC encoder.pt; replaces the bundled GE2E

    @classmethod
    def scan(cls, models_dir: str | Path, settings: OriginalSettings = OriginalSettings()) -> OriginalModels:
        """Load whatever is present; broken files are reported in ``status.errors``."""
        models_dir = Path(models_dir)
        paths = {name: models_dir / fname for name, fname in CHECKPOINT_FILES.items()}
        present = {name for name, p in paths.items() if p.is_file()}
        loaded: list[str] = []
        errors: dict[str, str] = {}
        notes: list[str] = []
        out = cls(status=ModelStatus(models_dir))

        if "encoder" in present:
            try:
                from .speaker_encoder import SpeakerEncoder

                out.encoder = SpeakerEncoder.load(paths["encoder"])
                loaded.append("encoder")
                if not _same_weights(out.encoder.net, SpeakerEncoder.load().net):
                    notes.append(
                        "encoder.pt differs from the bundled GE2E weights (RTVC's published encoder.pt is identical to "
                        "them); the voice bank was measured with the bundled weights, so voice-match and bank "
                        "comparisons are only approximate with this encoder."
                    )
            except CheckpointError as exc:
                errors["encoder"] = str(exc)
        if "face_encoder" in present:
            try:
                from .sv2tts.face_encoder import FaceEncoder

                out.face_encoder = FaceEncoder.load(paths["face_encoder"])
                loaded.append("face_encoder")
            except CheckpointError as exc:
                errors["face_encoder"] = str(exc)
        vocoder = _load_vocoder(paths["vocoder"], settings, errors) if "vocoder" in present else None
        if "synthesizer" in present:
            try:
                out.synthesizer = _load_synthesizer(paths, vocoder, settings)
                loaded.append("synthesizer")
                if vocoder is not None and out.synthesizer.vocoder_name == "wavernn":
                    loaded.append("vocoder")
            except CheckpointError as exc:
                errors["synthesizer"] = str(exc)
        if vocoder is not None and out.synthesizer is None:
            errors["vocoder"] = "vocoder.pt loaded, but it is unused without a working synthesizer.pt."
        missing = tuple(n for n in CHECKPOINT_FILES if n not in present)
        out.status = ModelStatus(models_dir, tuple(loaded), missing, errors, tuple(notes))
        return out


def _same_weights(a, b, atol: float = 1e-6) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(
        sa[k].shape == sb[k].shape and bool((sa[k] - sb[k]).abs().max() <= atol) for k in sa
    )


def _load_vocoder(path: Path, settings: OriginalSettings, errors: dict[str, str]):
    from .sv2tts.vocoder import WaveRNNSettings, WaveRNNVocoder

    if settings.vocoder == "griffinlim":
        return None
    try:
        return WaveRNNVocoder.load(path, WaveRNNSettings(mode=settings.wavernn_mode))
    except CheckpointError as exc:
        errors["vocoder"] = f"{exc} Griffin-Lim is used instead."
        return None


def _load_synthesizer(paths: dict[str, Path], vocoder, settings: OriginalSettings) -> SV2TTSSynthesizer:
    from .sv2tts.hparams import SynthesisParams
    from .sv2tts.synthesizer import TacotronSynthesizer
    from .sv2tts.vocoder import GriffinLimVocoder

    if settings.vocoder == "wavernn" and vocoder is None:
        raise CheckpointError(f"{paths['vocoder']}: WaveRNN vocoder requested but not loaded.", code="missing_checkpoint")
    synth = TacotronSynthesizer.load(
        paths["synthesizer"],
        settings=SynthesisParams(max_decoder_steps=settings.max_decoder_steps, max_chunk_chars=settings.max_chunk_chars),
    )
    if vocoder is None:
        return SV2TTSSynthesizer(synth, GriffinLimVocoder(), "griffinlim", settings)
    return SV2TTSSynthesizer(synth, vocoder, "wavernn", settings)
