#!/usr/bin/env bash
# A bounded version of the similarity benchmark: generates a small labelled
# corpus, runs the command on it and requires ROC-AUC >= 0.95 at levels L1
# to L4 (the benchmark's target). Takes a few seconds.
# Usage: corpus_quality_test.sh PYTHON EXAMCTL BENCH_DIR
set -eu
python=$1
examctl=$2
bench=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" "$bench/generate_corpus.py" "$work/corpus" --students 150 --seed 7
"$examctl" similarity "$work/corpus/submissions" --format csv -o "$work/scores.csv" --no-progress \
  2>/dev/null
"$python" "$bench/evaluate.py" "$work/corpus/labels.json" "$work/scores.csv" \
  --require-auc 0.95 --levels L1,L2,L3,L4
