"""The model status panel: which backend answers, and how to enable the original checkpoints.

Checked from the file system on every render (cheap), so dropping the checkpoints into the models
folder is reflected without restarting the app, even before the checkpoint backend is wired in.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..config import PipelineConfig

CHECKPOINTS = {
    "encoder.pt": "GE2E speaker encoder (RTVC)",
    "synthesizer.pt": "Tacotron synthesizer (RTVC)",
    "vocoder.pt": "WaveRNN vocoder (RTVC)",
    "lip2speech_final.pth": "Lip2Speech face encoder",
}


@dataclass(frozen=True)
class ModelStatus:
    models_dir: Path
    present: tuple[str, ...]
    missing: tuple[str, ...]
    available_backends: tuple[str, ...]
    active_backend: str
    loaded: bool

    @property
    def checkpoint_state(self) -> str:
        if not self.present:
            return "none"
        return "all" if not self.missing else "some"


def model_status(config: PipelineConfig, available_backends: tuple[str, ...], active_backend: str, loaded: bool) -> ModelStatus:
    d = Path(config.models_dir)
    present = tuple(n for n in CHECKPOINTS if (d / n).is_file() and (d / n).stat().st_size > 0)
    missing = tuple(n for n in CHECKPOINTS if n not in present)
    return ModelStatus(d, present, missing, available_backends, active_backend, loaded)


def status_markdown(status: ModelStatus) -> str:
    label = {"embedded": "embedded (Kokoro voice bank + GE2E, offline)", "checkpoints": "original checkpoints (SV2TTS + Lip2Speech)", "mixed": "mixed"}
    rows = "\n".join(
        f"| `{name}` | {desc} | {'found' if name in status.present else 'missing'} |" for name, desc in CHECKPOINTS.items()
    )
    note = {
        "none": "No original checkpoints found: the embedded backend is used.",
        "some": "Some original checkpoints are present; the embedded backend fills in until all four are there.",
        "all": "All original checkpoints are present; they will be used once the checkpoint backend is enabled in this build.",
    }[status.checkpoint_state]
    return (
        f"**Active backend:** {label.get(status.active_backend, status.active_backend)}"
        f" ({'models loaded' if status.loaded else 'models load on the first request'})\n\n"
        f"{note}\n\n"
        f"| File | Model | In `{status.models_dir}` |\n|---|---|---|\n{rows}\n\n"
        "**To add the original checkpoints:** put `encoder.pt`, `synthesizer.pt`, `vocoder.pt` and "
        "`lip2speech_final.pth` in `./savedmodels` (or the folder named by `$FACE2VOICE_MODELS_DIR`). "
        "`face2voice download` fetches the three SV2TTS ones; the Lip2Speech face encoder must be copied in by hand."
    )
