#!/usr/bin/env bash
# Benchmark (not a test): `medmal rerate` against two peers that rate the same book with the
# same plan (vectorised pandas, polars expressions), exact to the cent. See README.md here.
#
#   bench/rerate/run.sh [--rows N] [--runs N] [--seed S] [--no-build]
#
# Builds medmal in release, installs pandas, pyarrow and polars into a venv under target/,
# generates a book of N rows (default 1,000,000), checks that every peer agrees with medmal on
# every row to the cent, then times each tool (best of --runs, default 3) and prints the times,
# medmal's peak memory and the ratios. A peer with any mismatch makes its comparison VOID.
set -euo pipefail

rows=1000000
runs=3
seed=42
build=1
from_version=2026-07
to_version=2027-01
carrier=keystone-mutual
state=PA

usage() { sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --no-build) build=0; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument \`$1\`" >&2; usage >&2; exit 2 ;;
  esac
done

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
here="bench/rerate"
export PYTHONDONTWRITEBYTECODE=1
out="target/bench"
venv="target/bench-venv"
medmal="./target/release/medmal"
mkdir -p "$out"

if [ "$build" = 1 ]; then
  echo "== building medmal (release)"
  cargo build --release -p medmal-cli
fi

echo "== Python peers: venv $venv with pandas, pyarrow, polars"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import pandas, pyarrow, polars' 2>/dev/null; then
  "$venv/bin/pip" install --quiet --disable-pip-version-check pandas pyarrow polars
fi
py="$venv/bin/python"
"$py" -c 'import sys, numpy, pandas, pyarrow, polars; print(f"python {sys.version.split()[0]}, numpy {numpy.__version__}, pandas {pandas.__version__}, pyarrow {pyarrow.__version__}, polars {polars.__version__}")'

book="$out/book.parquet"
echo "== generating a book of $rows rows (seed $seed): $book"
"$medmal" book generate --rows "$rows" --seed "$seed" --carrier "$carrier" --state "$state" --out "$book"

results="$out/results.jsonl"
: > "$results"
rerate=("$medmal" rerate "$book" --from "$from_version" --to "$to_version" --format json --out "$out/report.json")
peer_args=("$book" --manuals manuals --carrier "$carrier" --state "$state" --from "$from_version" --to "$to_version")

echo "== per-row premiums for the comparison"
"${rerate[@]}" --rows "$out/medmal-rows.csv"
"$py" "$here/peer_pandas.py" "${peer_args[@]}" --out "$out/pandas-rows.csv" > "$out/pandas-report.txt"
"$py" "$here/peer_polars.py" "${peer_args[@]}" --out "$out/polars-rows.csv" > "$out/polars-report.txt"

echo "== comparing each peer with medmal, row by row, to the cent"
for peer in pandas polars; do
  echo "-- $peer"
  "$py" "$here/compare.py" "$out/medmal-rows.csv" "$out/$peer-rows.csv" --cand-cents \
    --label "$peer" --json "$results"
done

echo "== timing (best of $runs runs)"
"$py" "$here/timing.py" --runs "$runs" --label medmal --json "$results" -- "${rerate[@]}"
"$py" "$here/timing.py" --runs "$runs" --label pandas --json "$results" -- \
  "$py" "$here/peer_pandas.py" "${peer_args[@]}"
"$py" "$here/timing.py" --runs "$runs" --label polars --json "$results" -- \
  "$py" "$here/peer_polars.py" "${peer_args[@]}"

"$py" "$here/summary.py" "$results" --rows "$rows"
echo
echo "medmal's report: $out/report.json; the peers' by-class reports: $out/pandas-report.txt, $out/polars-report.txt"
