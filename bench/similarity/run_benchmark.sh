#!/usr/bin/env bash
# Similarity benchmark: examctl similarity against Dolos on the same labelled
# corpora. For each size it generates a corpus (generate_corpus.py), runs
# both tools under /usr/bin/time -v, and scores their pair lists
# (evaluate.py). Results go to bench/out/similarity/<size>/ and a summary to
# bench/out/similarity/results.md.
#
# Usage: bench/similarity/run_benchmark.sh [SIZE...]   (default: 200 1000 5000)
# Environment:
#   EXAMCTL        examctl binary (default: build-sim/cli/examctl, then build/cli/examctl)
#   DOLOS=0        skip Dolos
#   DOLOS_TIMEOUT  seconds before a Dolos run is stopped (default 720)
#   DOLOS_HEAP_MB  Node heap limit for Dolos (default 7680, under 8 GiB)
#   SEED           corpus seed (default 1)
#   TOOLS          tools to run (default "examctl dolos")
#   OUT            output folder (default bench/out/similarity)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${OUT:-$root/bench/out/similarity}
tools=${TOOLS:-examctl dolos}
sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(200 1000 5000)
seed=${SEED:-1}
dolos_timeout=${DOLOS_TIMEOUT:-720}
dolos_heap=${DOLOS_HEAP_MB:-7680}

examctl=${EXAMCTL:-}
if [[ -z $examctl ]]; then
  for candidate in "$root/build-sim/cli/examctl" "$root/build/cli/examctl"; do
    if [[ -x $candidate ]]; then
      examctl=$candidate
      break
    fi
  done
fi
if [[ -z $examctl || ! -x $examctl ]]; then
  echo "examctl not found: build it (cmake --build build --target examctl) or set EXAMCTL" >&2
  exit 2
fi

if [[ ! -x /usr/bin/time ]]; then
  echo "installing GNU time (Debian package \"time\") for peak memory figures" >&2
  apt-get install -y time >/dev/null || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
fi

# Dolos is a benchmark dependency only, installed with npm into its own folder.
dolos_dir=$root/bench/.dolos
dolos_ok=0
if [[ ${DOLOS:-1} != 0 && $tools == *dolos* ]]; then
  mkdir -p "$dolos_dir"
  cp "$here/dolos/package.json" "$here/dolos/package-lock.json" "$here/dolos/run_dolos.mjs" "$dolos_dir/"
  if [[ -d $dolos_dir/node_modules/@dodona/dolos-lib ]] ||
    (cd "$dolos_dir" && npm ci --no-audit --no-fund >"$dolos_dir/npm-ci.log" 2>&1); then
    dolos_ok=1
  else
    echo "npm ci for Dolos failed (see $dolos_dir/npm-ci.log); benchmarking without Dolos" >&2
  fi
fi

# Prints "wall_seconds cpu_seconds peak_kib exit_code" from a time -v log. A
# command killed by a signal gets exit code 128 + the signal number.
time_figures() {
  awk -F': ' '
    /^Command terminated by signal/ { n = split($0, w, " "); signal = w[n] }
    /Elapsed \(wall clock\)/ { n = split($2, p, ":"); wall = (n == 3) ? p[1] * 3600 + p[2] * 60 + p[3] : p[1] * 60 + p[2] }
    /User time/ { user = $2 } /System time/ { sys = $2 }
    /Maximum resident set size/ { rss = $2 } /Exit status/ { code = $2 }
    END { if (signal) code = 128 + signal; printf "%.2f %.2f %d %d\n", wall, user + sys, rss, code }' "$1"
}

mkdir -p "$out"
summary=$out/results.md
{
  echo "# Similarity benchmark, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
    "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM;" \
    "load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "examctl: $examctl"
  echo
  echo "| submissions | tool | wall s | cpu s | peak MiB | exit | L1 | L2 | L3 | L4 | L5 | L6 |"
  echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
} >"$summary"

auc_cells() {  # auc_cells FIGURES_JSON
  python3 -c 'import json, sys
levels = json.load(open(sys.argv[1]))["levels"]
cells = ["%.4f" % levels[l]["auc"] if l in levels else "-" for l in ["L1", "L2", "L3", "L4", "L5", "L6"]]
print(" | ".join(cells))' "$1"
}

for size in "${sizes[@]}"; do
  dir=$out/$size
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "== $size submissions" >&2
  python3 "$here/generate_corpus.py" "$dir/corpus" --students "$size" --seed "$seed"

  if [[ $tools == *examctl* ]]; then
    /usr/bin/time -v "$examctl" similarity "$dir/corpus/submissions" --format csv --top 0 \
      -o "$dir/examctl.csv" --no-progress 2>"$dir/examctl.time" || true
    read -r wall cpu rss code < <(time_figures "$dir/examctl.time")
    python3 "$here/evaluate.py" "$dir/corpus/labels.json" "$dir/examctl.csv" \
      --json "$dir/examctl-auc.json" >"$dir/examctl-auc.txt"
    echo "| $size | examctl | $wall | $cpu | $((rss / 1024)) | $code | $(auc_cells "$dir/examctl-auc.json") |" >>"$summary"
    echo "examctl: ${wall} s, $((rss / 1024)) MiB" >&2
  fi

  if [[ $dolos_ok == 1 ]]; then
    # The files are passed in one argument list; 5,000 paths fit easily.
    # --foreground makes timeout signal only node, then wait for it, so that
    # time -v still reports node's figures after a stop.
    set +e
    (cd "$dolos_dir" && /usr/bin/time -v timeout --foreground --signal=KILL "$dolos_timeout" \
      node --max-old-space-size="$dolos_heap" run_dolos.mjs "$dir"/corpus/submissions/*.py \
      >"$dir/dolos.csv" 2>"$dir/dolos.time")
    set -e
    read -r wall cpu rss code < <(time_figures "$dir/dolos.time")
    if [[ $code == 0 ]]; then
      python3 "$here/evaluate.py" "$dir/corpus/labels.json" "$dir/dolos.csv" \
        --json "$dir/dolos-auc.json" >"$dir/dolos-auc.txt"
      cells=$(auc_cells "$dir/dolos-auc.json")
    else
      cells="stopped or failed: see $dir/dolos.time | - | - | - | - | -"
    fi
    echo "| $size | Dolos 3.5.1 | $wall | $cpu | $((rss / 1024)) | $code | $cells |" >>"$summary"
    echo "Dolos: ${wall} s, $((rss / 1024)) MiB, exit $code" >&2
  fi
done
echo >>"$summary"
echo "AUC: planted pairs of each level against all same-exercise pairs of independent" \
  "solutions; exit 137 means the run was stopped after ${dolos_timeout} s." >>"$summary"
cat "$summary"
