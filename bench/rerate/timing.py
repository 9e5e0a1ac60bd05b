#!/usr/bin/env python3
"""Run a command several times; report the best wall time and the peak resident memory.

Wall time is `time.perf_counter()` around the child process (start to exit). Peak memory is the
child's maximum resident set size from the kernel (`os.wait4` rusage, the figure
`/usr/bin/time -v` prints as "Maximum resident set size"). The command's output is captured
(so a progress bar stays quiet, as when piped) and shown only if it fails. When the command
prints a line `PEER_SECONDS <s>` (the peers' own timing of read + rate + group-by), the best of
those is reported too.

    timing.py --runs 3 --label medmal --json results.jsonl -- CMD ARG...

Appends one JSON object per call to --json: label, runs, best_wall, walls, peak_rss_mib,
best_inner (or null).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time


def run_once(cmd: list[str]) -> tuple[float, int, str, int]:
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    return wall, usage.ru_maxrss, text, p.returncode  # ru_maxrss is in KiB on Linux


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--label", required=True)
    ap.add_argument("--json", help="append the result to this JSON-lines file")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        ap.error("no command")

    walls, rss, inner = [], 0, []
    for i in range(args.runs):
        wall, maxrss, text, code = run_once(cmd)
        if code != 0:
            sys.stderr.write(text)
            sys.stderr.write(f"{args.label}: command failed with exit code {code}: {' '.join(cmd)}\n")
            return 1
        walls.append(wall)
        rss = max(rss, maxrss)
        for line in text.splitlines():
            if line.startswith("PEER_SECONDS "):
                inner.append(float(line.split()[1]))
        extra = f", in-process {inner[-1]:.3f} s" if inner else ""
        print(f"  {args.label} run {i + 1}/{args.runs}: wall {wall:.3f} s, peak RSS {maxrss / 1024:.0f} MiB{extra}",
              flush=True)
    result = {
        "label": args.label,
        "runs": args.runs,
        "best_wall": min(walls),
        "walls": walls,
        "peak_rss_mib": rss / 1024,
        "best_inner": min(inner) if inner else None,
    }
    if args.json:
        with open(args.json, "a", encoding="utf-8") as f:
            f.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
