"""Describe each English Kokoro voice in GE2E space, once, and store the result as package data.

The embedded pipeline picks and blends voices by where they sit in the speaker-embedding space the
SV2TTS synthesizer is conditioned on, so each bank voice needs its GE2E embedding; computing it
needs a full Kokoro rendering per voice (minutes on 2 cores), hence this offline step whose small
JSON output is committed. Re-run after changing the reference text or the voice files:

    .venv/bin/python scripts/build_voice_bank.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import librosa

from face2voice.analysis import median_f0
from face2voice.speaker_encoder import SpeakerEncoder
from face2voice.text_input import prepare_text
from face2voice.tts.kokoro_engine import SAMPLE_RATE, KokoroEngine
from face2voice.voice_bank import BANK_FILE, REFERENCE_TEXT, VOICES_PACKAGE, load_style_table


def main() -> None:
    from importlib import resources

    voices_dir = Path(str(resources.files(VOICES_PACKAGE)))
    names = sorted(p.stem for p in voices_dir.glob("*.bin"))
    engine = KokoroEngine.load()
    encoder = SpeakerEncoder.load()
    sentences = prepare_text(REFERENCE_TEXT).sentences
    entries = []
    for name in names:
        t0 = time.perf_counter()
        lang = "en-gb" if name.startswith("b") else "en-us"
        wav = engine.synthesize(sentences, load_style_table(name), lang=lang)
        emb = encoder.embed_speech(wav, SAMPLE_RATE)
        f0 = median_f0(wav, SAMPLE_RATE)
        entries.append(
            {
                "name": name,
                "gender": "female" if name[1] == "f" else "male",
                "accent": "en-gb" if name.startswith("b") else "en-us",
                "median_f0_hz": round(float(f0), 2),
                "duration_s": round(len(wav) / SAMPLE_RATE, 3),
                "ge2e": [round(float(x), 6) for x in emb],
            }
        )
        print(f"{name}: f0 {f0:6.1f} Hz, {len(wav) / SAMPLE_RATE:.1f} s audio, {time.perf_counter() - t0:.1f} s", flush=True)
    out = Path(__file__).resolve().parents[1] / "face2voice" / "data" / BANK_FILE
    out.write_text(json.dumps({"reference_text": REFERENCE_TEXT, "sample_rate": SAMPLE_RATE,
                               "embedding": "GE2E (resemblyzer pretrained.pt), RTVC embed_utterance",
                               "voices": entries}, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    _ = librosa  # imported early so numba compilation is not charged to the first voice
    main()
