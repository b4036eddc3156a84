#!/usr/bin/env python3
"""Score a similarity tool's pair list against a corpus's labels.

Positives are the planted pairs (copy, source) of each level. Negatives are
all pairs of independent solutions to the same exercise, the hard case: same
task, no copying. A pair missing from the scores file scores 0, since both
tools list only pairs that share code. ROC-AUC is the chance that a random
planted pair scores above a random negative pair, ties counting half.

Usage: evaluate.py LABELS.json SCORES.csv [--json OUT.json] [--require-auc X --levels L1,L2]
SCORES.csv needs columns left, right and similarity (examctl's CSV and the
Dolos runner's both have them).
"""

import argparse
import bisect
import csv
import json
import sys
from collections import defaultdict


def load_scores(path):
    scores = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            key = tuple(sorted((row["left"].lstrip("'"), row["right"].lstrip("'"))))
            scores[key] = float(row["similarity"])
    return scores


def auc(positives, negative_nonzero, negative_total):
    """AUC with negatives given as their nonzero scores plus a count of zeros."""
    if not positives or negative_total == 0:
        return None
    negatives = sorted(negative_nonzero)
    zeros = negative_total - len(negatives)
    wins = 0.0
    for score in positives:
        below = bisect.bisect_left(negatives, score)
        equal = bisect.bisect_right(negatives, score) - below
        if score > 0:
            wins += zeros + below + 0.5 * equal
        else:
            wins += 0.5 * zeros
    return wins / (len(positives) * negative_total)


def evaluate(labels, scores):
    students = labels["students"]
    by_exercise = defaultdict(list)
    for name, info in students.items():
        if info["kind"] == "independent":
            by_exercise[info["exercise"]].append(name)
    independent = {name for names in by_exercise.values() for name in names}
    negative_total = sum(len(n) * (len(n) - 1) // 2 for n in by_exercise.values())
    negative_nonzero = [s for (a, b), s in scores.items()
                        if a in independent and b in independent
                        and students[a]["exercise"] == students[b]["exercise"] and s > 0]

    ranking = sorted(scores.values())
    result = {"negative_pairs": negative_total, "levels": {}}
    levels = sorted({info["level"] for info in students.values() if info["kind"] == "copy"})
    for level in levels:
        planted = [(info["source"], name) for name, info in students.items()
                   if info.get("level") == level]
        values = [scores.get(tuple(sorted(pair)), 0.0) for pair in planted]
        # Rank 1 is the top pair; ties share the best rank. Unlisted pairs have none.
        ranks = [1 + len(ranking) - bisect.bisect_right(ranking, v) if v > 0 else None
                 for v in values]
        result["levels"][level] = {
            "planted_pairs": len(planted),
            "auc": auc(values, negative_nonzero, negative_total),
            "mean_similarity": sum(values) / len(values),
            "ranks": ranks,
        }
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("labels")
    parser.add_argument("scores")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--require-auc", type=float,
                        help="exit 1 when a level in --levels has a lower AUC")
    parser.add_argument("--levels", default="L1,L2,L3,L4,L5,L6",
                        help="comma-separated levels that --require-auc checks")
    args = parser.parse_args()
    with open(args.labels, encoding="utf-8") as f:
        labels = json.load(f)
    result = evaluate(labels, load_scores(args.scores))
    print(f"negatives: {result['negative_pairs']} same-exercise independent pairs")
    print("level  planted  auc     mean_sim  worst_rank")
    for level, figures in result["levels"].items():
        ranks = [r for r in figures["ranks"] if r is not None]
        worst = "unranked" if None in figures["ranks"] else max(ranks, default="-")
        print(f"{level:5}  {figures['planted_pairs']:7}  {figures['auc']:.4f}  "
              f"{figures['mean_similarity']:.3f}     {worst}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=1)
    if args.require_auc is not None:
        failed = [level for level in args.levels.split(",")
                  if result["levels"].get(level, {}).get("auc") is None
                  or result["levels"][level]["auc"] < args.require_auc]
        checked = len(args.levels.split(","))
        print(f"auc >= {args.require_auc}: {checked - len(failed)} passed, {len(failed)} failed")
        return 1 if failed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
