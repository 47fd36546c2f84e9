"""``face2voice evaluate``: the subcommand lives here so the main CLI only registers it."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path


def add_parser(sub) -> argparse.ArgumentParser:
    ev = sub.add_parser("evaluate", help="measure how well the voices fit a folder of faces; Markdown + PNG + JSON report")
    ev.add_argument("--faces", required=True, help="folder of face photos (at least 2)")
    ev.add_argument("--out", required=True, help="report folder (report.json, PNG figures, REPORT.md)")
    ev.add_argument("--backends", nargs="+", default=None, help="backends to compare (default: every available one), e.g. embedded original")
    ev.add_argument("--labels", default=None, help='optional JSON of true genders/ages {"photo.jpg": {"gender": "female"}} (default: FACES/labels.json)')
    ev.add_argument("--markdown", default=None, help="write the Markdown report here instead of OUT/REPORT.md (image links stay relative)")
    ev.add_argument("--snippet", default=None, help="also write a short README paragraph with the headline figures here")
    ev.add_argument("--json", action="store_true", help="print the whole report as JSON on stdout")
    ev.set_defaults(func=run)
    return ev


def _command(args: argparse.Namespace) -> str:
    parts = ["face2voice", "evaluate", "--faces", args.faces, "--out", args.out]
    if args.backends:
        parts += ["--backends", *args.backends]
    for flag in ("labels", "markdown", "snippet"):
        if getattr(args, flag):
            parts += [f"--{flag}", getattr(args, flag)]
    return " ".join(shlex.quote(p) for p in parts)


def run(args: argparse.Namespace) -> int:
    from .report import readme_snippet
    from .runner import evaluate

    backends = [b for item in args.backends for b in item.split(",") if b] if args.backends else None
    command = _command(args)
    report = evaluate(
        args.faces,
        args.out,
        backends,
        labels=args.labels,
        markdown_path=args.markdown,
        command=command,
        progress=lambda msg: print(msg, file=sys.stderr, flush=True),
    )
    md = Path(args.markdown) if args.markdown else Path(args.out) / "REPORT.md"
    if args.snippet:
        snippet = Path(args.snippet)
        snippet.parent.mkdir(parents=True, exist_ok=True)
        snippet.write_text(readme_snippet(report, command, md.as_posix()) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(report.to_dict(), indent=1))
    else:
        print(f"wrote {md}, {Path(args.out) / 'report.json'} and {len(report.figures) - 1} figures in {args.out}/")
        from .report import headline

        for label, values in headline(report):
            print(f"  {label}: " + "; ".join(f"{b} {v}" for b, v in values.items()))
    return 0
