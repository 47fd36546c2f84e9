"""Fetching the original checkpoints for users who have internet access.

The SV2TTS files are on the Hugging Face Hub (``CorentinJ/SV2TTS``, where RTVC itself downloads
them); ``lip2speech_final.pth`` is only published behind a MediaFire page, which cannot be fetched
programmatically, so we explain how to get it and accept a local path, a direct URL or a Hub file.
Every file is size-checked (and hash-checked where the hash is known) and moved into place
atomically, so an interrupted download never leaves a half file that looks like a checkpoint.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import CheckpointError, Face2VoiceError

SV2TTS_REPO = "CorentinJ/SV2TTS"


@dataclass(frozen=True)
class RemoteFile:
    filename: str
    size: int | None  # bytes; None = unknown
    sha256: str | None = None


SV2TTS_FILES: tuple[RemoteFile, ...] = (
    RemoteFile("encoder.pt", 17_090_379),
    RemoteFile("synthesizer.pt", 370_554_559),
    RemoteFile("vocoder.pt", 53_845_290),
)
LIP2SPEECH_FILE = RemoteFile("lip2speech_final.pth", None)
LIP2SPEECH_HELP = (
    "lip2speech_final.pth (about 265 MB) is published only through a MediaFire link in the Lip2Speech README "
    "(github.com/Chris10M/Lip2Speech). Download it in a browser, then run "
    "`face2voice download --lip2speech /path/to/lip2speech_final.pth` (a direct https URL or "
    "hf://owner/repo/path/to/file also works)."
)

Log = Callable[[str], None]


def download_sv2tts(
    dest: str | Path,
    repo: str = SV2TTS_REPO,
    files: Sequence[RemoteFile] = SV2TTS_FILES,
    revision: str | None = None,
    cache_dir: str | Path | None = None,
    local_files_only: bool = False,
    log: Log = print,
) -> list[Path]:
    """Fetch the SV2TTS checkpoints from the Hub into ``dest`` (skipping ones already there and valid)."""
    from huggingface_hub import hf_hub_download

    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for spec in files:
        target = dest / spec.filename
        if target.is_file() and _matches(target, spec):
            log(f"{target}: already present ({target.stat().st_size:,} bytes)")
            out.append(target)
            continue
        log(f"downloading {repo}/{spec.filename} ...")
        try:
            cached = hf_hub_download(
                repo_id=repo, filename=spec.filename, revision=revision, cache_dir=cache_dir, local_files_only=local_files_only
            )
        except Exception as exc:  # network, auth, missing file: one readable line
            raise Face2VoiceError(
                f"Could not download {spec.filename} from the Hugging Face Hub repo {repo}: {_short(exc)}. "
                "Check your internet connection, or download the file by hand into "
                f"{dest}/."
            ) from exc
        verify(Path(cached), spec)
        _install(Path(cached), target, copy=True)
        log(f"{target}: ok ({target.stat().st_size:,} bytes)")
        out.append(target)
    return out


def fetch_lip2speech(source: str, dest: str | Path, validate: bool = True, log: Log = print) -> Path:
    """Put ``lip2speech_final.pth`` into ``dest`` from a local path, an http(s) URL or ``hf://owner/repo/file``."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / LIP2SPEECH_FILE.filename
    with tempfile.TemporaryDirectory(dir=dest) as tmp:
        staged = Path(tmp) / LIP2SPEECH_FILE.filename
        if source.startswith(("http://", "https://")):
            _http_download(source, staged, log)
        elif source.startswith("hf://"):
            staged = _hub_file(source[len("hf://"):])
        else:
            path = Path(source).expanduser()
            if not path.is_file():
                raise Face2VoiceError(f"{path}: file not found. {LIP2SPEECH_HELP}")
            staged = path
        if validate:
            from .sv2tts.face_encoder import FaceEncoder

            FaceEncoder.load(staged)  # raises CheckpointError naming the problem
        _install(staged, target, copy=staged.parent != Path(tmp))
    log(f"{target}: ok ({target.stat().st_size:,} bytes)")
    return target


def verify(path: Path, spec: RemoteFile) -> None:
    size = path.stat().st_size
    if spec.size is not None and size != spec.size:
        raise CheckpointError(
            f"{path}: {size:,} bytes, expected {spec.size:,} for {spec.filename}: the download is incomplete or "
            "a different file. Delete it and try again."
        )
    if spec.sha256 is not None and _sha256(path) != spec.sha256:
        raise CheckpointError(f"{path}: sha256 differs from the published {spec.filename}; delete it and try again.")


def _matches(path: Path, spec: RemoteFile) -> bool:
    try:
        verify(path, spec)
        return True
    except CheckpointError:
        return False


def _install(src: Path, target: Path, copy: bool) -> None:
    tmp = target.with_name(f".{target.name}.partial")
    if copy:
        shutil.copyfile(src, tmp)
    else:
        shutil.move(src, tmp)
    os.replace(tmp, target)


def _http_download(url: str, out: Path, log: Log, chunk: int = 1 << 20) -> None:
    log(f"downloading {url} ...")
    try:
        with urllib.request.urlopen(url, timeout=60) as resp, open(out, "wb") as fh:
            expected = resp.headers.get("Content-Length")
            while block := resp.read(chunk):
                fh.write(block)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise Face2VoiceError(f"Could not download {url}: {_short(exc)}.") from exc
    if expected is not None and out.stat().st_size != int(expected):
        raise CheckpointError(f"{url}: received {out.stat().st_size:,} of {int(expected):,} bytes; try again.")


def _hub_file(spec: str) -> Path:
    from huggingface_hub import hf_hub_download

    parts = spec.split("/", 2)
    if len(parts) != 3:
        raise Face2VoiceError(f"hf://{spec}: expected hf://owner/repo/path/to/file.")
    try:
        return Path(hf_hub_download(repo_id=f"{parts[0]}/{parts[1]}", filename=parts[2]))
    except Exception as exc:
        raise Face2VoiceError(f"Could not download hf://{spec}: {_short(exc)}.") from exc


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__
