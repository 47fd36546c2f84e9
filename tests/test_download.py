"""Download logic against a pre-filled Hub cache and a loopback HTTP server: never the network."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

from face2voice.download import SV2TTS_FILES, RemoteFile, download_sv2tts, fetch_lip2speech
from face2voice.errors import CheckpointError, Face2VoiceError

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _prefill_cache(cache: Path, repo: str, files: dict[str, bytes]) -> None:
    """The on-disk layout huggingface_hub itself writes: refs/main -> snapshots/<commit>/<file>."""
    root = cache / f"models--{repo.replace('/', '--')}"
    (root / "refs").mkdir(parents=True)
    (root / "refs" / "main").write_text(COMMIT)
    snap = root / "snapshots" / COMMIT
    snap.mkdir(parents=True)
    for name, data in files.items():
        (snap / name).write_bytes(data)


def test_published_sizes_are_the_ones_in_the_issue():
    assert {f.filename: f.size for f in SV2TTS_FILES} == {
        "encoder.pt": 17_090_379, "synthesizer.pt": 370_554_559, "vocoder.pt": 53_845_290,
    }


def test_download_from_prefilled_cache(tmp_path):
    data = {"encoder.pt": b"e" * 100, "synthesizer.pt": b"s" * 300, "vocoder.pt": b"v" * 200}
    _prefill_cache(tmp_path / "cache", "CorentinJ/SV2TTS", data)
    specs = [RemoteFile(n, len(b)) for n, b in data.items()]
    logs: list[str] = []
    out = download_sv2tts(tmp_path / "models", files=specs, cache_dir=tmp_path / "cache", local_files_only=True, log=logs.append)
    assert [p.name for p in out] == list(data)
    for p in out:
        assert p.read_bytes() == data[p.name]
    # a second run finds them in place and does nothing
    logs.clear()
    download_sv2tts(tmp_path / "models", files=specs, cache_dir=tmp_path / "cache", local_files_only=True, log=logs.append)
    assert all("already present" in line for line in logs)


def test_size_mismatch_is_refused_and_nothing_installed(tmp_path):
    _prefill_cache(tmp_path / "cache", "CorentinJ/SV2TTS", {"encoder.pt": b"short"})
    with pytest.raises(CheckpointError, match="expected 17,090,379"):
        download_sv2tts(tmp_path / "models", files=SV2TTS_FILES[:1], cache_dir=tmp_path / "cache",
                        local_files_only=True, log=lambda _: None)
    assert not (tmp_path / "models" / "encoder.pt").exists()


def test_missing_from_cache_offline_is_a_clear_error(tmp_path):
    with pytest.raises(Face2VoiceError, match="Could not download encoder.pt"):
        download_sv2tts(tmp_path / "models", files=SV2TTS_FILES[:1], cache_dir=tmp_path / "empty",
                        local_files_only=True, log=lambda _: None)


@pytest.fixture()
def loopback_server(tmp_path):
    root = tmp_path / "served"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.slow
def test_lip2speech_from_loopback_url_is_validated_and_installed(loopback_server, tmp_path):
    from .original_checkpoints import write_lip2speech

    root, base = loopback_server
    write_lip2speech(root / "l2s.pth")
    target = fetch_lip2speech(f"{base}/l2s.pth", tmp_path / "models", log=lambda _: None)
    assert target.name == "lip2speech_final.pth" and target.stat().st_size == (root / "l2s.pth").stat().st_size
    assert not any(p.name.startswith(".") for p in target.parent.iterdir())  # no partial files left


def test_lip2speech_url_that_is_not_a_checkpoint(loopback_server, tmp_path):
    root, base = loopback_server
    (root / "page.html").write_text("<html>MediaFire download page</html>")
    with pytest.raises(CheckpointError, match="lip2speech_final.pth|not a PyTorch checkpoint"):
        fetch_lip2speech(f"{base}/page.html", tmp_path / "models", log=lambda _: None)
    assert not (tmp_path / "models" / "lip2speech_final.pth").exists()


def test_lip2speech_url_404(loopback_server, tmp_path):
    _, base = loopback_server
    with pytest.raises(Face2VoiceError, match="Could not download"):
        fetch_lip2speech(f"{base}/nope.pth", tmp_path / "models", log=lambda _: None)


def test_lip2speech_missing_local_path_explains_where_to_get_it(tmp_path):
    with pytest.raises(Face2VoiceError, match="MediaFire"):
        fetch_lip2speech(str(tmp_path / "nope.pth"), tmp_path / "models", log=lambda _: None)
