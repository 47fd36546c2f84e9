"""End to end in a real browser: Debian's Chromium driven by Playwright against the launched app.

Measures what a visitor feels (click on Speak -> playable audio) and saves a screenshot to
``test-output/`` so a person can check the layout CI produced.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
OUT = Path(__file__).resolve().parents[1] / "test-output"


@pytest.fixture(scope="module")
def app_url(pipeline, tmp_path_factory):
    os.environ.setdefault("GRADIO_EXAMPLES_CACHE", str(tmp_path_factory.mktemp("examples_cache")))
    from face2voice.app import AppState, build_demo
    from face2voice.app.serve import serving

    with serving(build_demo(AppState(factory=lambda config: pipeline))) as url:
        yield url


@pytest.fixture(scope="module")
def playwright():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail("Debian's chromium is missing: run `make system-deps` (scripts/install_system_deps.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:  # one per module: the sync API cannot nest two
        yield p


@pytest.fixture(scope="module")
def browser(playwright):
    b = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield b
    b.close()


@pytest.fixture
def page(browser, app_url):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1100})
    pg = ctx.new_page()
    pg.set_default_timeout(120_000)
    pg.goto(app_url, wait_until="domcontentloaded")
    pg.locator("#speak-btn").wait_for(state="visible")
    yield pg
    ctx.close()


def _upload_photo(page, path: Path) -> None:
    page.locator("#photo input[type=file]").set_input_files(str(path))


def _toast_text(page) -> str:
    toast = page.locator(".toast-body").first
    toast.wait_for(state="visible", timeout=60_000)
    return toast.inner_text()


def test_upload_speak_and_hear(page, examples_dir):
    OUT.mkdir(exist_ok=True)
    radio = page.locator("#backend")
    radio.get_by_text("embedded", exact=True).wait_for()  # choices filled from the pipeline on page load
    assert radio.locator("input[type=radio]").count() == 2 and radio.locator("input[value=auto]").is_checked()
    _upload_photo(page, examples_dir / "obama.jpg")
    page.locator("#face-info").get_by_text("Perceived gender").wait_for()  # live face analysis on upload
    t0 = time.perf_counter()
    page.locator("#speak-btn").click()
    page.wait_for_function(
        """() => { const a = document.querySelector('#audio-out a[data-testid=download-link]');
                   const d = document.querySelector('#audio-out #duration');
                   return a && a.href.endsWith('.wav') && d && d.textContent.trim() !== '0:00'; }""",
        timeout=180_000,
    )
    seconds = time.perf_counter() - t0
    href = page.locator("#audio-out a[data-testid=download-link]").get_attribute("href")
    wav = page.request.get(href).body()  # the file the download button serves
    import io

    import soundfile as sf

    audio, sr = sf.read(io.BytesIO(wav))
    duration = len(audio) / sr
    assert wav[:4] == b"RIFF" and duration > 1.0
    match = float(page.locator("#voice-match input").input_value())
    assert 0.5 < match <= 1.0
    for label in ("Speaker embedding", "Voice bank map", "Mel spectrogram", "Detected face"):
        assert page.get_by_label(label).count() or page.get_by_text(label).count()
    time.sleep(1.0)  # let the waveform finish drawing for the screenshot
    page.screenshot(path=str(OUT / "app_browser.png"), full_page=True)
    (OUT / "app_browser_timing.json").write_text(json.dumps({"click_to_audio_s": round(seconds, 2), "audio_s": round(duration, 2)}))
    print(f"\nclick on Speak -> audio: {seconds:.2f} s for {duration:.2f} s of speech")


def test_bad_inputs_show_readable_messages(page, tmp_path):
    bad = tmp_path / "not_a_photo.jpg"
    bad.write_bytes(b"definitely not an image\n" * 40)
    _upload_photo(page, bad)
    assert "not an image we can read" in _toast_text(page)
    time.sleep(0.8)  # the toast flies in; let it settle for the screenshot
    OUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUT / "app_browser_error.png"))
    page.locator("#text textarea").fill("")
    page.locator("#speak-btn").click()
    page.get_by_text("the text is empty").first.wait_for(timeout=60_000)
    assert page.get_by_text("Traceback").count() == 0


def test_live_webcam_preview_streams_annotated_frames(app_url, playwright):
    """Chromium's fake camera (a green test pattern, no face): frames stream, get annotated, and
    "Use this frame" hands one to the photo input, where the missing face is explained."""
    args = CHROMIUM_ARGS + ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
    b = playwright.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
    try:
        pg = b.new_context(viewport={"width": 1400, "height": 1100}, permissions=["camera"]).new_page()
        pg.set_default_timeout(60_000)
        pg.goto(app_url, wait_until="domcontentloaded")
        pg.get_by_text("Live webcam preview").click()
        pg.locator("#live-cam").get_by_text("Click to Access Webcam").click()
        pg.locator("#live-cam").get_by_role("button", name="capture photo").click()
        src = "() => { const i = document.querySelector('#live-view img'); return i && i.src ? i.src : ''; }"
        pg.wait_for_function(f"({src})().length > 0")
        first = pg.evaluate(src)
        pg.wait_for_function(f"({src})() !== {first!r}", timeout=30_000)  # several frames, not one
        pg.get_by_role("button", name="Use this frame").click()
        assert "No face found" in _toast_text(pg)
    finally:
        b.close()
