#!/usr/bin/env python3
"""Print the benchmark's summary from the JSON lines written by timing.py and compare.py.

    summary.py RESULTS.jsonl --rows N
"""

from __future__ import annotations

import argparse
import json
import sys


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("results")
    ap.add_argument("--rows", type=int, required=True)
    args = ap.parse_args()

    timing, checks = {}, {}
    with open(args.results, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            (checks if "mismatches" in r else timing)[r["label"]] = r

    med = timing.get("medmal")
    if med is None:
        print("no medmal timing")
        return 1
    mw = med["best_wall"]
    print(f"\nRe-rating {args.rows:,} rows under two manual versions (best of {med['runs']} runs each)\n")
    print(f"{'tool':<8} {'wall (process)':>15} {'peak RSS':>10} {'own time':>10} {'ratio own/medmal':>17} "
          f"{'ratio wall/medmal':>18} {'mismatches':>11}  verdict")
    print(f"{'medmal':<8} {mw:>13.3f} s {med['peak_rss_mib']:>6.0f} MiB {'':>10} {'1.00':>17} {'1.00':>18} "
          f"{'-':>11}  reference")
    for label in ("pandas", "polars"):
        t = timing.get(label)
        c = checks.get(label)
        if t is None:
            continue
        own = t["best_inner"]
        mism = c["mismatches"] if c else None
        verdict = "VOID (premiums differ from medmal)" if (mism is None or mism > 0) else "valid (agrees to the cent)"
        own_s = f"{own:.3f} s" if own is not None else "-"
        ratio_own = f"{own / mw:.2f}" if own is not None else "-"
        print(f"{label:<8} {t['best_wall']:>13.3f} s {t['peak_rss_mib']:>6.0f} MiB {own_s:>10} {ratio_own:>17} "
              f"{t['best_wall'] / mw:>18.2f} {mism if mism is not None else '?':>11}  {verdict}")
    print("\nwall (process): whole process, start to exit (for the peers: interpreter start, imports, manuals,")
    print("  read, rate, group-by). own time: the peer's own clock around read Parquet + rate both versions +")
    print("  group-by, without interpreter start and imports. A ratio above 1 means medmal is faster.")
    if any(c["mismatches"] for c in checks.values()):
        print("\nAt least one peer disagrees with medmal on some rows: its timing comparison is VOID.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
