"""Tests of mlmRev's ScotsSec as the book ships it (data/scotssec.csv, written by make_rdatasets.py)
and of its loader, hbm.load_scotssec: the shipped file as published and as data/README.md describes
it, then each bad input a clear message naming the problem and the row."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import hbm

HEADER = "verbal,attain,primary,sex,social,second"
ROWS = ["11,10,1,M,0,9", "0,3,1,F,0,9", "-14,2,2,M,20,1"]


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "scotssec.csv"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")  # [] -> an empty file
    return path


# ---- the shipped file -----------------------------------------------------------------------------


def test_scotssec_as_published():
    scots = hbm.load_scotssec()
    assert len(scots) == 3435 and scots["primary"].nunique() == 148 and scots["second"].nunique() == 19
    assert sorted(scots["primary"].unique()) == list(range(1, 149))
    assert sorted(scots["second"].unique()) == list(range(1, 20))
    assert scots["sex"].value_counts().to_dict() == {"M": 1739, "F": 1696}
    assert scots["social"].value_counts().to_dict() == {0: 2247, 20: 706, 31: 297, 1: 185}
    assert not scots["social"].cat.ordered and list(scots["sex"].cat.categories) == ["M", "F"]


def test_columns_are_what_the_readme_says():
    """data/README.md: verbal's range, floor and spread; attain's piles; social's codes not ordered."""
    scots = hbm.load_scotssec()
    verbal, attain = scots["verbal"], scots["attain"]
    assert (verbal.min(), verbal.max(), int((verbal == -30).sum())) == (-30, 40, 67)
    assert round(verbal.mean(), 1) == -2.2 and round(verbal.std(), 1) == 13.3
    assert set(attain) == set(range(1, 11))
    counts = attain.value_counts()
    assert counts.idxmax() == 2 and counts[2] == 661 and counts[10] == 657 and counts[1] == 86
    means = scots.groupby("social", observed=True)[["attain", "verbal"]].mean()
    for column in ("attain", "verbal"):  # 0 lowest, then 31, 20, 1: not the codes' numeric order
        assert list(means[column].sort_values().index) == [0, 31, 20, 1], column
    assert means["attain"].round(2).to_dict() == {0: 4.90, 1: 8.29, 20: 7.16, 31: 6.43}
    assert means["verbal"].round(2).to_dict() == {0: -4.78, 1: 7.54, 20: 1.91, 31: 1.51}
    assert round(float(np.corrcoef(verbal, attain)[0, 1]), 2) == 0.72
    girls = scots.groupby("second")["sex"].apply(lambda s: float((s == "F").mean()))
    assert (round(girls.min(), 2), round(girls.max(), 2)) == (0.44, 0.61)


def test_schools_are_crossed_not_nested():
    """data/README.md: secondaries per primary, primaries per secondary, and the nearly nested share."""
    scots = hbm.load_scotssec()
    per_primary = scots.groupby("primary")["second"].nunique()
    per_second = scots.groupby("second")["primary"].nunique()
    size = scots.groupby("primary").size()
    assert per_primary.value_counts().sort_index().to_dict() == {1: 57, 2: 50, 3: 26, 4: 10, 5: 2, 6: 3}
    assert (per_second.min(), per_second.max()) == (7, 32)
    assert int((size == 1).sum()) == 7 and int(size[per_primary > 1].sum()) == 2661
    assert (size.min(), size.max()) == (1, 72)
    second_size = scots.groupby("second").size()
    assert (second_size.min(), second_size.max()) == (92, 290)
    pairs = scots.groupby(["primary", "second"]).size()
    assert len(pairs) == 303 and int((pairs == 1).sum()) == 120
    modal = scots.groupby("primary")["second"].agg(lambda s: s.value_counts().index[0])
    share = float(np.mean(scots["second"] == scots["primary"].map(modal)))
    assert round(share, 3) == 0.915


# ---- bad input: one case each ---------------------------------------------------------------------


def test_good_small_file_loads(tmp_path):
    scots = hbm.load_scotssec(write(tmp_path, [HEADER, *ROWS]))
    assert scots.shape == (3, 6) and scots["verbal"].tolist() == [11, 0, -14]
    assert scots["social"].tolist() == [0, 0, 20] and str(scots["sex"].dtype) == "category"


@pytest.mark.parametrize(
    "lines, message",
    [
        ([], "the file is empty"),
        ([HEADER], "no rows of data"),
        ([HEADER.replace(",second", ""), "11,10,1,M,0"], "missing column 'second'"),
        ([HEADER, "11,10,1,M,0"], "row 1 (line 2): 5 fields, but the header has 6"),
        ([HEADER, *ROWS[:1], ",10,1,M,0,9"], "row 2 (line 3): verbal is missing"),
        ([HEADER, "11.5,10,1,M,0,9"], "row 1 (line 2): verbal '11.5' is not a whole number"),
        ([HEADER, "11,ten,1,M,0,9"], "row 1 (line 2): attain 'ten' is not a whole number"),
        ([HEADER, "11,0,1,M,0,9"], "row 1 (line 2): attain 0 is below 1"),
        ([HEADER, "11,11,1,M,0,9"], "row 1 (line 2): attain 11 is above 10"),
        ([HEADER, "11,10,0,M,0,9"], "row 1 (line 2): primary 0 is below 1"),
        ([HEADER, "11,10,1,M,0,"], "row 1 (line 2): second is missing"),
        ([HEADER, "11,10,1,male,0,9"], "row 1 (line 2): sex 'male' is not M or F"),
        ([HEADER, *ROWS[:2], "11,10,1,M,2,9"], "row 3 (line 4): social '2' is not one of the codes 0, 1, 20, 31"),
    ],
)
def test_bad_input_is_named(tmp_path, lines, message):
    with pytest.raises(hbm.DataError) as err:
        hbm.load_scotssec(write(tmp_path, lines))
    assert message in str(err.value)
