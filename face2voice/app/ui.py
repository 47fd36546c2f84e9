"""The Gradio Blocks layout and its wiring to the handlers (every public endpoint has an api_name).

``build_demo`` is pure construction: no model is loaded until the first page view or request, so
``import app`` is instant and safe in tests and in the Hugging Face Spaces build. Queue limits live
here too (not in ``launch``), so they hold however the demo is served.

The Backend radio starts with only ``auto``: which backends exist depends on the checkpoints the
pipeline finds when it loads, so the page-load event fills in the real choices. Every event that
takes the backend runs with ``preprocess=False`` so that an API client asking for a backend this
server cannot run gets the pipeline's explanation (which file is missing, how to get it) instead of
Gradio's generic "not in the list of choices".
"""

from __future__ import annotations

from pathlib import Path

import gradio as gr

from .handlers import SpeakOutputs, Handlers
from .state import DEFAULT_BACKEND, AppState

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"
DEFAULT_TEXT = "Hello! This is the voice your face suggests. Does it sound like you imagined?"
EXAMPLE_TEXTS = {
    "obama.jpg": "Hello, everybody. Today I want to talk about the future of speech technology.",
    "grace_hopper.jpg": "A ship in port is safe, but that is not what ships are built for.",
    "astronaut.png": "The view from up here is breathtaking. I can see the whole planet.",
    "luispedro.jpg": "Good morning! Let me tell you about my latest research project.",
    "camera.png": "Hold still for a moment, the picture is almost ready.",
}

SYNTHESIS_CONCURRENCY = 2  # two syntheses share the 2 CPU cores; more only adds contention
QUEUE_MAX_SIZE = 64  # beyond this, visitors are told the app is busy instead of waiting minutes
MAX_FILE_SIZE = "25mb"  # same as ImageLimits.max_bytes: refuse larger uploads before they are stored
DELETE_CACHE = (1800, 3600)  # every 30 min, delete generated/uploaded files older than one hour

INTRO = """# Face2Voice: hear the voice that fits a face
**1.** Upload a photo (or use the webcam) · **2.** type a sentence · **3.** press **Speak**.
The app finds the face, estimates perceived gender and age, designs a matching voice in the
speaker-embedding space of SV2TTS, and speaks your text. Tweak the voice under *Voice controls*,
compare two faces, or clone a voice from a recording."""

CSS = """
#speak-btn {min-height: 48px; font-size: 1.1em}
.f2v-small textarea {font-size: 0.9em}
"""


def launch_kwargs() -> dict:
    """Arguments for ``demo.launch`` that belong to serving (shared by ``app.py`` and the tests)."""
    return {"max_file_size": MAX_FILE_SIZE, "css": CSS, "show_error": False, "theme": theme()}


def theme() -> gr.themes.Base:
    """Soft look with system fonts: the stock themes fetch Google Fonts, which hangs page loads
    offline (CI, air-gapped installs) and leaks visitors' IPs to a third party."""
    return gr.themes.Soft(
        primary_hue="indigo",
        font=["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
    )


def _examples() -> list[list[str]]:
    return [[str(EXAMPLES_DIR / name), text] for name, text in EXAMPLE_TEXTS.items() if (EXAMPLES_DIR / name).is_file()]


def build_demo(state: AppState | None = None) -> gr.Blocks:
    """The whole app. ``state`` lets tests inject a pipeline factory; by default models load lazily."""
    handlers = Handlers(state or AppState())
    heavy = {"concurrency_id": "synthesis", "concurrency_limit": SYNTHESIS_CONCURRENCY, "preprocess": False}

    with gr.Blocks(title="Face2Voice", delete_cache=DELETE_CACHE) as demo:
        gr.Markdown(INTRO)
        backend = gr.Radio(
            [DEFAULT_BACKEND], value=DEFAULT_BACKEND, label="Backend", interactive=True, elem_id="backend",
            info="auto = the original checkpoints when all are present, else embedded. The Model status tab explains each.",
        )

        with gr.Tabs():
            # ---------------------------------------------------------------- face -> voice
            with gr.Tab("Face → voice", id="face"):
                with gr.Row():
                    with gr.Column(scale=5):
                        photo = gr.Image(
                            label="Face photo", sources=["upload", "webcam", "clipboard"], type="filepath",
                            image_mode=None, height=300, elem_id="photo",
                        )
                        text = gr.Textbox(label="Text to speak (English)", value=DEFAULT_TEXT, lines=3, max_lines=10, elem_id="text")
                        speak_btn = gr.Button("Speak", variant="primary", elem_id="speak-btn")
                        with gr.Accordion("Voice controls", open=False):
                            use_face = gr.Checkbox(True, label="Use the face's perceived gender and age")
                            gender = gr.Slider(0, 1, value=0.5, step=0.01, label="Gender mix", info="0 = male voices … 1 = female voices")
                            age = gr.Slider(3, 100, value=35, step=1, label="Age (years)")
                            pitch = gr.Slider(-12, 12, value=0, step=0.5, label="Pitch (semitones)")
                            rate = gr.Slider(0.5, 2.0, value=1.0, step=0.05, label="Speaking rate")
                            seed = gr.Number(0, precision=0, label="Voice variation seed", info="0 = the face's own voice; any other number = a reproducible variation")
                            reset_btn = gr.Button("Reset to the face's voice", size="sm")
                        with gr.Accordion("Live webcam preview", open=False):
                            gr.Markdown("Start the camera: the face box is drawn live. Press *Use this frame* to speak with it.")
                            live = gr.Image(label="Camera", sources=["webcam"], streaming=True, type="numpy", elem_id="live-cam")
                            live_view = gr.Image(label="Detected face (live)", interactive=False, format="jpeg", elem_id="live-view")
                            last_frame = gr.State(None)
                            use_frame_btn = gr.Button("Use this frame", size="sm")
                    with gr.Column(scale=7):
                        with gr.Row():
                            crop = gr.Image(label="Detected face", interactive=False, height=230, format="jpeg", elem_id="face-crop")
                            with gr.Column():
                                face_info = gr.Markdown(label="Face analysis", elem_id="face-info")
                                match = gr.Number(label="Voice match (cosine: target embedding vs. produced audio)", interactive=False, elem_id="voice-match")
                        audio = gr.Audio(label="Speech", type="numpy", interactive=False, buttons=["download"], elem_id="audio-out")
                        with gr.Row():
                            heatmap = gr.Image(label="Speaker embedding", interactive=False, format="png")
                            projection = gr.Image(label="Voice bank map", interactive=False, format="png")
                        mel = gr.Image(label="Mel spectrogram", interactive=False, format="png")
                        with gr.Accordion("Timings and details", open=False):
                            timings = gr.Markdown(label="Timings", elem_id="timings")
                            details = gr.JSON(label="Details (JSON)")
                speak_outputs = [crop, face_info, heatmap, projection, mel, audio, match, timings, details]
                assert len(speak_outputs) == len(SpeakOutputs.__dataclass_fields__)
                speak_inputs = [photo, text, use_face, gender, age, pitch, rate, seed, backend]

                gr.Examples(
                    examples=_examples(), inputs=[photo, text], outputs=speak_outputs, fn=handlers.speak_example,
                    cache_examples=True, cache_mode="lazy", label="Examples (click one)",
                )

            # ---------------------------------------------------------------- compare
            with gr.Tab("Compare two faces", id="compare"):
                with gr.Row():
                    photo_a = gr.Image(label="Face A", sources=["upload", "webcam", "clipboard"], type="filepath", image_mode=None, height=240)
                    photo_b = gr.Image(label="Face B", sources=["upload", "webcam", "clipboard"], type="filepath", image_mode=None, height=240)
                cmp_text = gr.Textbox(label="Text for both voices", value="Same words, two different voices.", lines=2)
                cmp_btn = gr.Button("Compare voices", variant="primary")
                with gr.Row():
                    crop_a = gr.Image(label="Face A", interactive=False, height=180, format="jpeg")
                    crop_b = gr.Image(label="Face B", interactive=False, height=180, format="jpeg")
                with gr.Row():
                    audio_a = gr.Audio(label="Voice A", type="numpy", interactive=False, buttons=["download"])
                    audio_b = gr.Audio(label="Voice B", type="numpy", interactive=False, buttons=["download"])
                with gr.Row():
                    heat_a = gr.Image(label="Embedding A", interactive=False, format="png")
                    heat_b = gr.Image(label="Embedding B", interactive=False, format="png")
                    cmp_map = gr.Image(label="A and B among the voice bank", interactive=False, format="png")
                blend_slider = gr.Slider(0, 1, value=0.5, step=0.05, label="Blend A → B", info="Release to hear the voice in between")
                with gr.Row():
                    audio_mix = gr.Audio(label="Blended voice", type="numpy", interactive=False, buttons=["download"])
                    heat_mix = gr.Image(label="Blended embedding", interactive=False, format="png")
                cmp_details = gr.JSON(label="Details (JSON)")

            # ---------------------------------------------------------------- reference voice
            with gr.Tab("Reference voice", id="reference"):
                gr.Markdown("Upload or record 3-10 s of speech instead of a face: its GE2E speaker embedding chooses the voice (voice cloning as in the RTVC toolbox).")
                with gr.Row():
                    with gr.Column():
                        ref_audio = gr.Audio(label="Reference recording", sources=["upload", "microphone"], type="filepath")
                        ref_text = gr.Textbox(label="Text to speak", value="This is my voice, borrowed for a moment.", lines=2)
                        ref_pitch = gr.Slider(-12, 12, value=0, step=0.5, label="Pitch (semitones)")
                        ref_rate = gr.Slider(0.5, 2.0, value=1.0, step=0.05, label="Speaking rate")
                        ref_btn = gr.Button("Speak with this voice", variant="primary")
                    with gr.Column():
                        ref_out = gr.Audio(label="Speech", type="numpy", interactive=False, buttons=["download"])
                        ref_sim = gr.Number(label="Similarity to the reference (GE2E cosine)", interactive=False)
                        with gr.Row():
                            ref_heat = gr.Image(label="Reference embedding", interactive=False, format="png")
                            ref_map = gr.Image(label="Voice bank map", interactive=False, format="png")
                ref_mel = gr.Image(label="Mel spectrogram", interactive=False, format="png")
                ref_details = gr.JSON(label="Details (JSON)")

            # ---------------------------------------------------------------- status
            with gr.Tab("Model status", id="status"):
                status_md = gr.Markdown("Loading the models (first visit only)…", label="Model status", elem_id="model-status")

        # ---- events: face -> voice
        photo.change(
            handlers.analyze_face, photo, [crop, face_info, gender, age], api_name="analyze_face",
            preprocess=False, trigger_mode="always_last", concurrency_id="face", concurrency_limit=2, show_progress="minimal",
        )
        speak_btn.click(handlers.speak, speak_inputs, speak_outputs, api_name="speak", trigger_mode="once", **heavy)
        gr.on(
            [pitch.release, rate.release, seed.submit, use_face.input], handlers.resynthesize, speak_inputs, speak_outputs,
            api_name="resynthesize", trigger_mode="always_last", **heavy,
        )
        gr.on([gender.release, age.release], lambda: False, None, use_face, queue=False, api_visibility="private").then(
            handlers.resynthesize, speak_inputs, speak_outputs, api_visibility="private", trigger_mode="always_last", **heavy
        )
        reset_btn.click(
            handlers.face_voice_controls, photo, [use_face, gender, age, pitch, rate, seed], api_name="face_voice_controls",
            preprocess=False, concurrency_id="face",
        ).success(handlers.resynthesize, speak_inputs, speak_outputs, api_visibility="private", **heavy)
        live.stream(
            handlers.preview_frame, live, [live_view, last_frame], api_name="preview_frame",
            stream_every=0.33, time_limit=120, concurrency_id="preview", concurrency_limit=4, show_progress="hidden",
        )
        use_frame_btn.click(lambda f: f if f is not None else gr.skip(), last_frame, photo, api_visibility="private")

        # ---- events: compare / reference / status
        cmp_btn.click(
            handlers.compare, [photo_a, photo_b, cmp_text, backend],
            [crop_a, crop_b, audio_a, audio_b, heat_a, heat_b, cmp_map, cmp_details], api_name="compare", **heavy,
        )
        blend_slider.release(
            handlers.blend, [photo_a, photo_b, cmp_text, blend_slider, backend], [audio_mix, heat_mix, cmp_map, cmp_details],
            api_name="blend", trigger_mode="always_last", **heavy,
        )
        ref_btn.click(
            handlers.reference_voice, [ref_audio, ref_text, ref_pitch, ref_rate, backend],
            [ref_heat, ref_map, ref_mel, ref_out, ref_sim, ref_details], api_name="reference_voice", **heavy,
        )
        demo.load(handlers.page_load, backend, [status_md, backend], api_visibility="private", queue=False, preprocess=False)
        backend.input(handlers.status, backend, status_md, api_name="model_status", queue=False, preprocess=False)

    demo.queue(default_concurrency_limit=SYNTHESIS_CONCURRENCY, max_size=QUEUE_MAX_SIZE)
    demo.f2v_state = handlers.state  # for tests and for shutting down cleanly
    return demo
