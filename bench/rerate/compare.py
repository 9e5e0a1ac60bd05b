#!/usr/bin/env python3
"""Compare two per-row re-rating files to the cent.

Each file is a CSV with a header holding at least `row`, `before` and `after`, and optionally
`status_before` and `status_after`. Premiums may be decimal strings (`1234.00`, medmal's
`--rows` file) or integer cents (the peers' files, with `--cents`); an empty cell is a row that
could not be rated. Rows are matched by `row` (the 1-based data row number).

A row mismatches when either premium differs by any amount, when one side rated it and the
other did not, or (for rated rows) when the appetite status differs. Prints the counts and the
first few mismatches; exits 0 either way (the caller decides what a mismatch means).

    compare.py REFERENCE.csv CANDIDATE.csv [--ref-cents] [--cand-cents] [--show 10]
               [--label NAME --json results.jsonl]
"""

from __future__ import annotations

import argparse
import json
import sys

import numpy as np
import pandas as pd

MISSING = np.iinfo(np.int64).min


def to_cents(s: pd.Series, cents: bool) -> np.ndarray:
    """Exact: decimal strings are split at the point, never parsed as floats."""
    s = s.fillna("").astype(str).str.strip()
    empty = (s == "").to_numpy()
    out = np.full(len(s), MISSING, dtype=np.int64)
    v = s[~empty]
    if cents:
        out[~empty] = v.astype(np.int64).to_numpy()
        return out
    parts = v.str.split(".", n=1, expand=True)
    whole = parts[0]
    neg = whole.str.startswith("-").to_numpy(dtype=bool)
    w = np.abs(whole.astype(np.int64).to_numpy(dtype=np.int64))
    if parts.shape[1] > 1:
        frac = parts[1].fillna("")
        extra = frac.str.slice(2)
        if (extra.str.strip("0") != "").any():
            raise SystemExit("a premium with a fraction of a cent")
        f = frac.str.slice(0, 2).str.pad(2, side="right", fillchar="0").astype(np.int64).to_numpy(dtype=np.int64)
    else:
        f = np.zeros(len(v), dtype=np.int64)
    c = w * 100 + f
    out[~empty] = np.where(neg, -c, c)
    return out


def load(path: str, cents: bool) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    out = pd.DataFrame({"row": df["row"].astype(np.int64)})
    for col in ("before", "after"):
        out[col] = to_cents(df[col], cents)
    for col in ("status_before", "status_after"):
        out[col] = df[col].str.strip().str.lower() if col in df else ""
    return out.set_index("row")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("reference")
    ap.add_argument("candidate")
    ap.add_argument("--ref-cents", action="store_true", help="the reference's premiums are integer cents")
    ap.add_argument("--cand-cents", action="store_true", help="the candidate's premiums are integer cents")
    ap.add_argument("--show", type=int, default=10, help="how many mismatching rows to print")
    ap.add_argument("--no-status", action="store_true", help="compare premiums only")
    ap.add_argument("--label", help="name of the candidate, for --json")
    ap.add_argument("--json", help="append {label, rows, mismatches, ...} to this JSON-lines file")
    args = ap.parse_args()

    ref = load(args.reference, args.ref_cents)
    cand = load(args.candidate, args.cand_cents)
    missing_rows = ref.index.symmetric_difference(cand.index)
    j = ref.merge(cand, how="inner", left_index=True, right_index=True, suffixes=("_ref", "_cand"))

    bad = np.zeros(len(j), dtype=bool)
    counts = {}
    for col in ("before", "after"):
        r, c = j[f"{col}_ref"].to_numpy(), j[f"{col}_cand"].to_numpy()
        m = r != c
        counts[col] = int(m.sum())
        bad |= m
        if not args.no_status:
            rated = (r != MISSING) & (c != MISSING)
            sm = rated & (j[f"status_{col}_ref"].to_numpy() != j[f"status_{col}_cand"].to_numpy())
            counts[f"status_{col}"] = int(sm.sum())
            bad |= sm
    total = int(bad.sum()) + len(missing_rows)
    print(f"rows compared: {len(j)}; rows in one file only: {len(missing_rows)}; "
          + "; ".join(f"{k} mismatches: {v}" for k, v in counts.items()))
    print(f"MISMATCHES {total}")
    if args.json:
        with open(args.json, "a", encoding="utf-8") as f:
            f.write(json.dumps({"label": args.label, "compared": len(j), "missing_rows": len(missing_rows),
                                "mismatches": total, **counts}) + "\n")
    if total and args.show:
        shown = j[bad].head(args.show).astype(object)
        for col in ("before_ref", "after_ref", "before_cand", "after_cand"):
            shown[col] = [("not rated" if v == MISSING else f"{v // 100}.{v % 100:02d}") for v in shown[col]]
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            print(shown.to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
