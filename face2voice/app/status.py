"""The model status panel: which backends this server can run, and how to enable the others.

Built from what the loaded pipeline found (``Face2Voice.original.status``) rather than from a second
look at the folder: the panel must describe the models actually answering requests, including a
file that is present but failed to load (with the loader's own message), which a directory
listing would report as fine. The pipeline scans the folder once, at load, so files added later
need an app restart; the panel says so.
"""

from __future__ import annotations

from ..errors import Face2VoiceError
from ..original_models import CHECKPOINT_FILES, ModelStatus
from ..pipeline import ROUTES, Face2Voice

MODEL_NAMES = {
    "encoder": "GE2E speaker encoder (RTVC)",
    "synthesizer": "Tacotron synthesizer (RTVC)",
    "vocoder": "WaveRNN vocoder (RTVC)",
    "face_encoder": "Lip2Speech face encoder",
}
SOURCES = {"attributes": "perceived gender/age + appearance (voice bank)", "face_encoder": "Lip2Speech face encoder"}
LIP2SPEECH_README = "https://github.com/Chris10M/Lip2Speech"

HOW_TO_ADD = (
    "**To add the original checkpoints:** put `encoder.pt`, `synthesizer.pt`, `vocoder.pt` and "
    "`lip2speech_final.pth` in `./savedmodels` (or the folder named by `$FACE2VOICE_MODELS_DIR`), then restart the app. "
    "`face2voice download` fetches the three SV2TTS files; `lip2speech_final.pth` is published only through the "
    f"MediaFire link in the [Lip2Speech README]({LIP2SPEECH_README}): download it in a browser, then run "
    "`face2voice download --lip2speech PATH_OR_URL`."
)


def describe_backend(pipe: Face2Voice, backend: str) -> str:
    """One line for a backend: where its speaker embedding comes from and what speaks."""
    source, synth = ROUTES[backend]
    if synth == "sv2tts":
        vocoder = pipe.original.synthesizer.vocoder_name if pipe.original is not None and pipe.original.synthesizer else "WaveRNN"
        speech = f"SV2TTS Tacotron + {'WaveRNN' if vocoder == 'wavernn' else 'Griffin-Lim'}"
    else:
        speech = "Kokoro-82M"
    return f"{SOURCES[source]} → {speech}"


def status_markdown(pipe: Face2Voice, backend: str) -> str:
    """The panel for ``backend`` as chosen in the UI (``auto`` is shown with what it resolves to)."""
    try:
        resolved = pipe.resolve_backend(backend)
        label = f"{backend} → {resolved}" if backend != resolved else resolved
        active = f"**Active backend:** {label}: {describe_backend(pipe, resolved)}"
    except Face2VoiceError as exc:
        active = f"**Active backend:** {backend} is not available here. {exc}"
    available = ", ".join(f"`{b}`" for b in pipe.available_backends())
    parts = [active, f"**Available backends:** {available} (models loaded in {pipe.load_seconds:.1f} s)"]
    if pipe.original is None:
        parts.append("Original checkpoints are disabled in this configuration (`use_original_models=False`).")
    else:
        parts.append(_files_table(pipe.original.status))
        parts += [f"Note: {note}" for note in pipe.original.status.notes]
    parts.append(HOW_TO_ADD)
    return "\n\n".join(parts)


def _files_table(status: ModelStatus) -> str:
    rows = [f"| `{CHECKPOINT_FILES[name]}` | {MODEL_NAMES[name]} | {_file_state(status, name)} |" for name in CHECKPOINT_FILES]
    return f"| File | Model | In `{status.models_dir}` |\n|---|---|---|\n" + "\n".join(rows)


def _file_state(status: ModelStatus, name: str) -> str:
    if name in status.errors:
        return "⚠️ " + _cell(status.errors[name])
    if name in status.loaded:
        return "loaded"
    if name in status.missing:
        return "missing"
    return "present, not used (the settings select Griffin-Lim)"  # the only silent case: vocoder="griffinlim"


def _cell(text: str) -> str:
    """A loader message made safe for one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|").replace("*", "\\*")  # e.g. 'vgg_face.*' must not italicise
