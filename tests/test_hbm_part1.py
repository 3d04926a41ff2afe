"""Unit tests of the helpers Part I added to book/hbm.py: scores_truth and plot_shrinkage."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "book"))

import hbm  # noqa: E402

TRUTH = {
    "seed": 4, "n_questions": 40, "grand_mean": 0.65, "between_class_sd": 0.05,
    "within_class_sd": 0.12, "class_sizes": {"1": 2, "2": 3, "3": 1, "4": 2, "5": 2},
    "class_means": {"1": 0.6, "2": 0.61, "3": 0.7, "4": 0.68, "5": 0.57},
}


def test_scores_truth_reads_the_shipped_file():
    truth = hbm.scores_truth()
    assert set(truth) == set(TRUTH)
    assert sorted(truth["class_means"]) == list(hbm.SCORE_CLASSES)
    assert all(isinstance(v, float) for v in truth["class_means"].values())
    assert 0 < truth["between_class_sd"] < truth["within_class_sd"]


def test_scores_truth_converts_labels_and_types(tmp_path):
    path = tmp_path / "truth.json"
    path.write_text(json.dumps(TRUTH))
    truth = hbm.scores_truth(path)
    assert truth["class_sizes"] == {1: 2, 2: 3, 3: 1, 4: 2, 5: 2}
    assert truth["class_means"][3] == 0.7
    assert truth["seed"] == 4 and isinstance(truth["grand_mean"], float)


def test_scores_truth_missing_file(tmp_path):
    with pytest.raises(hbm.DataError, match="no such file"):
        hbm.scores_truth(tmp_path / "nowhere.json")


def test_scores_truth_missing_value(tmp_path):
    path = tmp_path / "truth.json"
    path.write_text(json.dumps({k: v for k, v in TRUTH.items() if k != "within_class_sd"}))
    with pytest.raises(hbm.DataError, match="missing 'within_class_sd'"):
        hbm.scores_truth(path)


def test_scores_truth_wrong_classes(tmp_path):
    path = tmp_path / "truth.json"
    path.write_text(json.dumps({**TRUTH, "class_means": {"1": 0.5, "2": 0.5}}))
    with pytest.raises(hbm.DataError, match="class_means must have one value per class"):
        hbm.scores_truth(path)


def test_plot_shrinkage_draws_one_row_and_one_arrow_per_class():
    no_pooling = pd.Series({1: 0.6, 2: 0.7, 3: 0.9})
    partial = pd.Series({1: 0.62, 2: 0.69, 3: 0.75})
    ax = hbm.plot_shrinkage(no_pooling, partial, 0.66, {1: 20, 2: 30, 3: 4})
    rows = {t.get_text(): y for t, y in zip(ax.get_yticklabels(), ax.get_yticks())}
    top_to_bottom = sorted(rows, key=rows.get, reverse=True)
    assert top_to_bottom == ["class 1 (n = 20)", "class 2 (n = 30)", "class 3 (n = 4)"]
    arrows = [child for child in ax.get_children() if isinstance(child, matplotlib.text.Annotation)]
    assert len(arrows) == 3
    # The first class is on top (the highest row) and each arrow runs from no pooling to partial.
    top = max(arrows, key=lambda a: a.xy[1])
    assert top.xy == (0.62, 2) and top.xyann == (0.6, 2)
    assert ax.get_lines()[0].get_xdata()[0] == 0.66
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["grand mean", "no pooling (class average)", "partial pooling"]
    plt.close(ax.figure)


def test_plot_shrinkage_rejects_mismatched_classes():
    with pytest.raises(ValueError, match="same class labels"):
        hbm.plot_shrinkage({1: 0.5, 2: 0.6}, {1: 0.5}, 0.55, {1: 3, 2: 4})
