"""Per-stage latency, real-time factor, peak memory and cold start of the face-to-voice pipeline.

    .venv/bin/python benchmarks/bench_pipeline.py [--photos examples] [--repeats 2] [--backend embedded]

Numbers are printed, not asserted: speed targets belong here, not in timed tests. Cold start is
measured in a fresh interpreter (imports + model loading), as a user or a Space experiences it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ONE = "The quick brown fox jumps over the lazy dog."
FIVE = (
    "The quick brown fox jumps over the lazy dog. Please call me when you arrive at the station. "
    "We will meet again next week in the garden. The weather today is bright and clear. "
    "Thank you for listening to this short demonstration."
)
PHOTO_EXTS = {".jpg", ".jpeg", ".png", ".webp"}


def cold_start() -> dict[str, float]:
    code = (
        "import time; t0=time.perf_counter(); from face2voice import Face2Voice; t1=time.perf_counter();"
        "f=Face2Voice.load(); t2=time.perf_counter(); import json;"
        "print(json.dumps({'import_s': t1-t0, 'load_s': t2-t1}))"
    )
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    return {**json.loads(out.stdout.strip().splitlines()[-1]), "process_wall_s": wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", default="examples")
    parser.add_argument("--repeats", type=int, default=2, help="timed runs per photo and text (after a warm-up)")
    parser.add_argument("--backend", default="embedded")
    parser.add_argument("--json", help="also write the numbers to this file")
    args = parser.parse_args()

    import torch

    from face2voice import Face2Voice

    photos = sorted(p for p in Path(args.photos).iterdir() if p.suffix.lower() in PHOTO_EXTS)
    print(f"machine: {os.cpu_count()} cores, torch threads {torch.get_num_threads()}, python {sys.version.split()[0]}")
    cs = cold_start()
    print(f"cold start (fresh process): import {cs['import_s']:.2f} s + load models {cs['load_s']:.2f} s "
          f"= process wall {cs['process_wall_s']:.2f} s")

    f2v = Face2Voice.load()
    backend = f2v.resolve_backend(args.backend)
    f2v.speak(photos[0], ONE, backend=backend)  # warm-up: first-call allocations, numba/pyin JIT
    report: dict = {"cold_start": cs, "backend": backend, "texts": {}}
    for label, text in (("1 sentence", ONE), ("5 sentences", FIVE)):
        stage_times: dict[str, list[float]] = {}
        rtfs, totals, durations = [], [], []
        for photo in photos:
            for _ in range(args.repeats):
                t0 = time.perf_counter()
                r = f2v.speak(photo, text, backend=backend)
                total = time.perf_counter() - t0
                for k, v in r.timings.items():
                    stage_times.setdefault(k, []).append(v)
                totals.append(total)
                durations.append(r.duration)
                rtfs.append(total / r.duration)
        med = {k: statistics.median(v) for k, v in stage_times.items()}
        print(f"\n[{label}] {len(photos)} photos x {args.repeats} runs, audio {statistics.median(durations):.2f} s (median)")
        for k, v in med.items():
            print(f"  {k:<15} {v * 1000:8.1f} ms")
        print(f"  {'total':<15} {statistics.median(totals) * 1000:8.1f} ms   real-time factor {statistics.median(rtfs):.3f} "
              f"(min {min(rtfs):.3f}, max {max(rtfs):.3f})")
        report["texts"][label] = {"stages_ms": {k: v * 1000 for k, v in med.items()},
                                  "total_ms": statistics.median(totals) * 1000, "rtf_median": statistics.median(rtfs),
                                  "audio_s": statistics.median(durations)}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak resident memory: {peak_mb:.0f} MB")
    report["peak_rss_mb"] = peak_mb
    f2v.close()
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
