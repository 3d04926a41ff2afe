"""Simulate the test scores of five classes: writes ``scores.csv`` and ``scores_truth.json``.

One test of 40 questions, five classes of unequal size. Each class has a true mean score drawn from
one normal distribution (mean ``TRUE_GRAND_MEAN``, standard deviation ``TRUE_BETWEEN_CLASS_SD``); each
student's ability is drawn around their class's mean (standard deviation ``TRUE_WITHIN_CLASS_SD``),
clipped to [0, 1], and turned into a score by rounding to a whole number of correct answers out of 40.
So every score is a multiple of 1/40 = 0.025 and is written with exactly three decimals.

Usage (from the repository root or from data/)::

    python data/make_scores.py          # (re)write data/scores.csv and data/scores_truth.json
    python data/make_scores.py --check  # exit 1 if either file differs from what would be written

The chapters read the true values through ``hbm.scores_truth()`` (from ``scores_truth.json``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
CSV_PATH = HERE / "scores.csv"
TRUTH_PATH = HERE / "scores_truth.json"

#: The seed of the simulation. It is the first seed (counting from 1) whose data met the criteria
#: written in data/README.md (the small class lands visibly far from the others, and the frequentist
#: random-effects fit does not put the between-class variance at zero). The true parameters below were
#: fixed before any seed was tried.
SEED = 4

#: Number of questions on the test: a score is (correct answers) / N_QUESTIONS.
N_QUESTIONS = 40
#: Mean of the population of class means (fraction correct).
TRUE_GRAND_MEAN = 0.65
#: Standard deviation of the class means around the grand mean.
TRUE_BETWEEN_CLASS_SD = 0.05
#: Standard deviation of students' (unrounded) scores around their class mean.
TRUE_WITHIN_CLASS_SD = 0.12
#: Number of students in each class (class label -> size). Class 3 is the small one.
CLASS_SIZES = {1: 24, 2: 29, 3: 5, 4: 18, 5: 12}


def simulate(seed: int = SEED) -> tuple[pd.DataFrame, dict[int, float]]:
    """Simulate the data set: (scores, true class means).

    ``scores`` has one row per student, columns ``class`` (int) and ``score`` (float in [0, 1]),
    classes in order. The true class means are the values the students of each class were drawn around.
    """
    rng = np.random.default_rng(seed)
    labels = list(CLASS_SIZES)
    class_means = rng.normal(TRUE_GRAND_MEAN, TRUE_BETWEEN_CLASS_SD, size=len(labels))
    frames = []
    for label, class_mean in zip(labels, class_means):
        ability = rng.normal(class_mean, TRUE_WITHIN_CLASS_SD, size=CLASS_SIZES[label])
        correct = np.round(np.clip(ability, 0.0, 1.0) * N_QUESTIONS)
        frames.append(pd.DataFrame({"class": label, "score": correct / N_QUESTIONS}))
    scores = pd.concat(frames, ignore_index=True)
    return scores, {label: float(m) for label, m in zip(labels, class_means)}


def simulate_scores(seed: int = SEED) -> pd.DataFrame:
    """The simulated scores only (see :func:`simulate`)."""
    return simulate(seed)[0]


def csv_text(scores: pd.DataFrame) -> str:
    """The CSV file's exact text: a header, then ``class,score`` with the score to three decimals."""
    lines = ["class,score"]
    lines += [f"{int(c)},{s:.3f}" for c, s in zip(scores["class"], scores["score"])]
    return "\n".join(lines) + "\n"


def truth_text(seed: int = SEED) -> str:
    """The JSON file's exact text: every true value of the simulation, class means included."""
    _, class_means = simulate(seed)
    truth = {
        "seed": seed,
        "n_questions": N_QUESTIONS,
        "grand_mean": TRUE_GRAND_MEAN,
        "between_class_sd": TRUE_BETWEEN_CLASS_SD,
        "within_class_sd": TRUE_WITHIN_CLASS_SD,
        "class_sizes": {str(k): v for k, v in CLASS_SIZES.items()},
        "class_means": {str(k): round(v, 6) for k, v in class_means.items()},
    }
    return json.dumps(truth, indent=2) + "\n"


def outputs(seed: int = SEED) -> dict[str, str]:
    """File name -> exact text, for every file this script writes."""
    return {CSV_PATH.name: csv_text(simulate_scores(seed)), TRUTH_PATH.name: truth_text(seed)}


def write(directory: str | Path = HERE, seed: int = SEED) -> list[Path]:
    """Write ``scores.csv`` and ``scores_truth.json`` into ``directory``; return their paths."""
    paths = []
    for name, text in outputs(seed).items():
        path = Path(directory) / name
        path.write_bytes(text.encode("utf-8"))  # bytes: the same "\n" line endings on every platform
        paths.append(path)
    return paths


def check(directory: str | Path = HERE, seed: int = SEED) -> list[str]:
    """The names of the files in ``directory`` that are missing or differ from what would be written."""
    stale = []
    for name, text in outputs(seed).items():
        path = Path(directory) / name
        if not path.exists() or path.read_bytes() != text.encode("utf-8"):
            stale.append(name)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="only compare the files on disk; exit 1 if they differ"
    )
    args = parser.parse_args(argv)
    if args.check:
        stale = check()
        for name in stale:
            print(f"{name} differs from what make_scores.py would write; run python data/make_scores.py")
        return 1 if stale else 0
    for path in write():
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
