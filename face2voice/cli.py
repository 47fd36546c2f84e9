"""Command line: ``face2voice speak --face PHOTO --text "..." --out out.wav``.

Every user mistake ends in one readable line on stderr and a non-zero exit code, never a
traceback (``--debug`` shows it for bug reports).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .errors import Face2VoiceError

EXIT_USER_ERROR = 2
EXIT_INTERNAL = 1


def _speak(args: argparse.Namespace) -> int:
    import soundfile as sf

    from .config import VoiceControls
    from .image_input import load_rgb
    from .pipeline import Face2Voice
    from .text_input import prepare_text

    try:
        text = Path(args.text_file).read_text(encoding="utf-8", errors="replace") if args.text_file else args.text
    except OSError as exc:
        raise Face2VoiceError(f"Cannot read the text file {args.text_file}: {exc.strerror or exc}.") from exc
    try:
        controls = VoiceControls(
            gender_mix=args.gender_mix, age=args.age, pitch_semitones=args.pitch, rate=args.rate, seed=args.seed
        )
    except ValueError as exc:
        raise Face2VoiceError(f"Invalid voice control: {exc}.") from exc
    # Refuse bad text or a bad photo before spending seconds on loading models.
    prepare_text(text)
    rgb = load_rgb(args.face)
    pipeline = Face2Voice.load()
    try:
        result = pipeline.speak(rgb, text, controls, backend=args.backend)
    finally:
        pipeline.close()
    out = Path(args.out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        sf.write(out, result.waveform, result.sample_rate, subtype="PCM_16")
    except (OSError, RuntimeError) as exc:  # soundfile raises RuntimeError for unwritable paths
        raise Face2VoiceError(f"Cannot write {out}: {exc}.") from exc
    summary = {"output": str(out), "model_load_s": round(pipeline.load_seconds, 3), **result.summary()}
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        json_path = out.with_suffix(".json")
        json_path.write_text(json.dumps(summary, indent=2))
        face = summary.get("face", {})
        attrs = face.get("attributes", {})
        print(
            f"wrote {out} ({result.duration:.1f} s) and {json_path.name}: "
            f"{attrs.get('gender')} (p_female {attrs.get('p_female')}), age ~{attrs.get('age')}, "
            f"voice {', '.join(f'{n} {w:.2f}' for n, w in result.voices)}, voice match "
            f"{'n/a' if result.voice_match is None else f'{result.voice_match:.3f}'} [{result.backend}]"
        )
        for w in summary["warnings"]:
            print(f"note: {w}")
    return 0


def _download(args: argparse.Namespace) -> int:
    from .download import LIP2SPEECH_HELP, download_sv2tts, fetch_lip2speech

    dest = Path(args.dir)
    if not args.skip_sv2tts:
        download_sv2tts(dest, repo=args.repo, revision=args.revision)
    if args.lip2speech:
        fetch_lip2speech(args.lip2speech, dest)
    elif not (dest / "lip2speech_final.pth").is_file():
        print(f"note: {LIP2SPEECH_HELP}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="face2voice", description="Speak text in a voice that fits a face.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)

    sp = sub.add_parser("speak", help="photo + text -> wav")
    sp.add_argument("--face", required=True, help="photo of a face (JPEG/PNG/WebP...)")
    group = sp.add_mutually_exclusive_group(required=True)
    group.add_argument("--text", help="text to speak (English)")
    group.add_argument("--text-file", help="read the text from a UTF-8 file")
    sp.add_argument("--out", required=True, help="output .wav path")
    sp.add_argument("--seed", type=int, default=None, help="voice variation; same seed -> identical audio")
    sp.add_argument("--gender-mix", type=float, default=None, help="override: 0 male .. 1 female")
    sp.add_argument("--age", type=float, default=None, help="override perceived age (years)")
    sp.add_argument("--pitch", type=float, default=0.0, help="pitch shift in semitones (-12..12)")
    sp.add_argument("--rate", type=float, default=1.0, help="speaking rate (0.5..2.0)")
    sp.add_argument("--backend", default="auto",
                    help="auto (original checkpoints if all present, else embedded), embedded, original, "
                         "face-encoder+kokoro, attributes+tacotron")
    sp.add_argument("--json", action="store_true", help="print the decisions and timings as JSON")
    sp.set_defaults(func=_speak)

    from .config import default_models_dir

    dl = sub.add_parser("download", help="fetch the original SV2TTS checkpoints (needs internet)")
    dl.add_argument("--dir", default=str(default_models_dir()), help="target directory (default: savedmodels/)")
    dl.add_argument("--repo", default="CorentinJ/SV2TTS", help="Hugging Face Hub repo with encoder/synthesizer/vocoder.pt")
    dl.add_argument("--revision", default=None, help="Hub revision (branch, tag or commit)")
    dl.add_argument("--lip2speech", default=None, help="lip2speech_final.pth source: local path, https URL or hf://owner/repo/file")
    dl.add_argument("--skip-sv2tts", action="store_true", help="only install lip2speech_final.pth")
    dl.set_defaults(func=_download)

    from .evaluation.cli import add_parser as add_evaluate_parser

    add_evaluate_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("GLOG_minloglevel", "2")  # mediapipe's C++ logging
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except Face2VoiceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: still one line unless --debug
        if args.debug:
            raise
        print(f"internal error: {type(exc).__name__}: {exc} (run with --debug for details)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
