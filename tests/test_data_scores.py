"""Tests of data/scores.csv: the script that makes it, and the loader that validates it."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "book"))

import hbm  # noqa: E402


def _load_script():
    spec = importlib.util.spec_from_file_location("make_scores", ROOT / "data" / "make_scores.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_scores = _load_script()

GOOD_ROWS = ["1,0.500", "2,0.625", "3,0.750", "4,0.400", "5,0.975"]


def write_csv(tmp_path: Path, lines: list[str], name: str = "scores.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------------------
# The simulation script
# --------------------------------------------------------------------------------------------------


def test_regenerating_reproduces_the_shipped_files_byte_for_byte(tmp_path):
    written = make_scores.write(tmp_path)
    assert [p.name for p in written] == ["scores.csv", "scores_truth.json"]
    for path in written:
        assert path.read_bytes() == (ROOT / "data" / path.name).read_bytes(), path.name


def test_check_flag_passes_on_the_shipped_files():
    result = subprocess.run(
        [sys.executable, str(ROOT / "data" / "make_scores.py"), "--check"],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_finds_a_changed_or_missing_file(tmp_path):
    make_scores.write(tmp_path)
    assert make_scores.check(tmp_path) == []
    csv_path = tmp_path / "scores.csv"
    csv_path.write_text(csv_path.read_text().replace("0.", "0,", 1))
    assert make_scores.check(tmp_path) == ["scores.csv"]
    (tmp_path / "scores_truth.json").unlink()
    assert make_scores.check(tmp_path) == ["scores.csv", "scores_truth.json"]


def test_simulation_follows_its_design():
    scores = make_scores.simulate_scores(make_scores.SEED)
    sizes = scores.groupby("class").size().to_dict()
    assert sizes == make_scores.CLASS_SIZES
    assert min(sizes.values()) <= 6, "one class must be small, so that shrinkage is visible"
    correct = scores["score"] * make_scores.N_QUESTIONS
    assert ((correct - correct.round()).abs() < 1e-9).all(), "a score is a whole number of questions"
    assert scores["score"].between(0, 1).all()


def test_another_seed_gives_other_data():
    a = make_scores.simulate_scores(make_scores.SEED)
    b = make_scores.simulate_scores(make_scores.SEED + 1)
    assert not a["score"].equals(b["score"])


def test_scores_truth_matches_the_script_and_the_data():
    truth = hbm.scores_truth()
    assert truth["seed"] == make_scores.SEED
    assert truth["grand_mean"] == make_scores.TRUE_GRAND_MEAN
    assert truth["between_class_sd"] == make_scores.TRUE_BETWEEN_CLASS_SD
    assert truth["within_class_sd"] == make_scores.TRUE_WITHIN_CLASS_SD
    assert truth["n_questions"] == make_scores.N_QUESTIONS
    assert truth["class_sizes"] == make_scores.CLASS_SIZES
    sizes = hbm.load_scores().groupby("class").size().to_dict()
    assert truth["class_sizes"] == sizes
    _, class_means = make_scores.simulate(make_scores.SEED)
    assert truth["class_means"] == pytest.approx(class_means, abs=1e-6)


# --------------------------------------------------------------------------------------------------
# The loader
# --------------------------------------------------------------------------------------------------


def test_shipped_file_loads():
    scores = hbm.load_scores()
    assert list(scores.columns) == ["class", "score"]
    assert scores["class"].dtype.kind == "i" and scores["score"].dtype.kind == "f"
    assert len(scores) == sum(make_scores.CLASS_SIZES.values())
    assert sorted(scores["class"].unique()) == list(hbm.SCORE_CLASSES)


def test_a_good_small_file_loads(tmp_path):
    scores = hbm.load_scores(write_csv(tmp_path, ["class,score", *GOOD_ROWS]))
    assert scores["score"].tolist() == [0.5, 0.625, 0.75, 0.4, 0.975]


def test_blank_lines_are_skipped_but_counted_in_line_numbers(tmp_path):
    path = write_csv(tmp_path, ["class,score", "1,0.5", "", "2,0.6", "3,x", *GOOD_ROWS])
    with pytest.raises(hbm.DataError, match=r"row 3 \(line 5\): score 'x' is not a number"):
        hbm.load_scores(path)


def test_empty_file(tmp_path):
    path = tmp_path / "scores.csv"
    path.write_bytes(b"")
    with pytest.raises(hbm.DataError, match="scores.csv: the file is empty"):
        hbm.load_scores(path)


def test_header_but_no_rows(tmp_path):
    with pytest.raises(hbm.DataError, match="no rows of data"):
        hbm.load_scores(write_csv(tmp_path, ["class,score"]))


def test_missing_column(tmp_path):
    path = write_csv(tmp_path, ["class,points", *GOOD_ROWS])
    with pytest.raises(hbm.DataError, match=r"missing column 'score' \(found 'class', 'points'\)"):
        hbm.load_scores(path)


def test_wrong_number_of_fields(tmp_path):
    path = write_csv(tmp_path, ["class,score", *GOOD_ROWS[:2], "3,0.5,0.7", *GOOD_ROWS[2:]])
    with pytest.raises(hbm.DataError, match=r"row 3 \(line 4\): 3 fields, but the header has 2"):
        hbm.load_scores(path)


def test_non_numeric_score(tmp_path):
    path = write_csv(tmp_path, ["class,score", *GOOD_ROWS[:2], "3,high", *GOOD_ROWS[2:]])
    with pytest.raises(hbm.DataError, match=r"row 3 \(line 4\): score 'high' is not a number"):
        hbm.load_scores(path)


def test_not_finite_score(tmp_path):
    path = write_csv(tmp_path, ["class,score", "1,nan", *GOOD_ROWS])
    with pytest.raises(hbm.DataError, match=r"row 1 \(line 2\): score 'nan' is not a finite number"):
        hbm.load_scores(path)


def test_missing_score(tmp_path):
    path = write_csv(tmp_path, ["class,score", *GOOD_ROWS[:3], "4,", *GOOD_ROWS[3:]])
    with pytest.raises(hbm.DataError, match=r"row 4 \(line 5\): score is missing"):
        hbm.load_scores(path)


def test_missing_class(tmp_path):
    path = write_csv(tmp_path, ["class,score", *GOOD_ROWS, ",0.5"])
    with pytest.raises(hbm.DataError, match=r"row 6 \(line 7\): class is missing"):
        hbm.load_scores(path)


@pytest.mark.parametrize("score", ["1.2", "-0.1"])
def test_score_outside_0_1(tmp_path, score):
    path = write_csv(tmp_path, ["class,score", *GOOD_ROWS[:1], f"2,{score}", *GOOD_ROWS[1:]])
    with pytest.raises(hbm.DataError, match=rf"row 2 \(line 3\): score {score} is outside \[0, 1\]"):
        hbm.load_scores(path)


@pytest.mark.parametrize("label", ["6", "0", "A", "1.5"])
def test_unknown_class_label(tmp_path, label):
    path = write_csv(tmp_path, ["class,score", *GOOD_ROWS[:2], f"{label},0.5", *GOOD_ROWS[2:]])
    with pytest.raises(hbm.DataError, match=rf"row 3 \(line 4\): unknown class label '{label}'"):
        hbm.load_scores(path)


def test_class_with_no_students(tmp_path):
    rows = [row for row in GOOD_ROWS if not row.startswith("4,")]
    with pytest.raises(hbm.DataError, match="class 4 has no students"):
        hbm.load_scores(write_csv(tmp_path, ["class,score", *rows]))


def test_column_named_twice(tmp_path):
    path = write_csv(tmp_path, ["class,score,score", *(row + ",0.1" for row in GOOD_ROWS)])
    with pytest.raises(hbm.DataError, match="column 'score' appears more than once"):
        hbm.load_scores(path)
