"""Helpers shared by the chapters of *Bayesian Hierarchical Models with PyMC and ArviZ*.

One small module, on purpose: data loading (with validation), the book's random seed, the plot style,
and plots that more than one chapter uses. Models stay inline in the chapters: they are the lesson.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pandas as pd

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

#: The seed every chapter uses unless the environment variable ``BOOK_SEED`` names another.
DEFAULT_SEED = 20261121

#: Okabe & Ito's colour-blind-safe palette (Okabe and Ito, 2008), ordered so that the first four
#: colours, the ones used most, have at least 3:1 contrast against a white background.
OKABE_ITO = [
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow (low contrast on white: last)
]


class DataError(ValueError):
    """A data file the book ships (or one a reader supplies) is not what the chapters expect."""


# --------------------------------------------------------------------------------------------------
# Seeds and style
# --------------------------------------------------------------------------------------------------


def random_seed(default: int = DEFAULT_SEED) -> int:
    """The chapter's random seed: ``BOOK_SEED`` from the environment if set, else ``default``.

    Re-running a chapter under another seed (``BOOK_SEED=7 jupyter nbconvert ...``) checks that its
    claims are robust rather than lucky.
    """
    text = os.environ.get("BOOK_SEED", "").strip()
    if not text:
        return int(default)
    try:
        seed = int(text)
    except ValueError:
        raise ValueError(f"BOOK_SEED must be a non-negative whole number, not {text!r}") from None
    if seed < 0:
        raise ValueError(f"BOOK_SEED must be a non-negative whole number, not {seed}")
    return seed


def set_style() -> None:
    """The book's plot style: colour-blind-safe colours, readable fonts, light figures."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(
        {
            "axes.prop_cycle": cycler(color=OKABE_ITO),
            "figure.figsize": (6.4, 3.8),
            "figure.dpi": 96,
            "savefig.dpi": 96,
            "savefig.bbox": "tight",
            # 11 pt: a 6.4-inch figure narrowed to a phone's column still shows its tick labels at
            # about 9 CSS pixels (issue 29).
            "font.size": 11,
            "axes.titlesize": 12,
            "axes.labelsize": 11,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "image.cmap": "viridis",
        }
    )
    # Inline figures in executed notebooks (the page's and a reader's alike): "retina" PNG, drawn at
    # twice the dpi above and labelled with the size it is shown at (half its pixels), so a figure stays
    # sharp on a phone or a laptop with two or three pixels to the point (matplotlib-inline's
    # documented format; SVG would weigh more than a PNG for the trace and pair plots).
    try:  # pragma: no cover - only inside IPython
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("retina")
    except Exception:  # noqa: BLE001 - outside IPython there is nothing to configure
        pass


# --------------------------------------------------------------------------------------------------
# Data: test scores in five classes
# --------------------------------------------------------------------------------------------------

#: The class labels in ``data/scores.csv``.
SCORE_CLASSES = (1, 2, 3, 4, 5)


def _read_csv_rows(path: Path, columns: tuple[str, ...]) -> list[tuple[str, dict[str, str]]]:
    """The data rows of a small CSV file as stripped strings, each with where it came from.

    Returns ``(where, record)`` pairs, ``where`` like ``"scores.csv, row 3 (line 5)"``: rows count the
    data rows, lines count the file's lines (the header is line 1; blank lines are skipped but still
    counted, so the line number is the one an editor shows). Raises :class:`DataError` for a missing,
    empty or unreadable file, a missing column, a row with more or fewer fields than the header, or a
    file with no data rows.
    """
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    rows = []
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                expected = ",".join(columns)
                raise DataError(f"{path.name}: the file is empty (expected a header line {expected})")
            header = [name.strip() for name in header]
            twice = sorted({c for c in columns if header.count(c) > 1})
            if twice:
                raise DataError(f"{path.name}: column {twice[0]!r} appears more than once in the header")
            missing = [c for c in columns if c not in header]
            if missing:
                raise DataError(
                    f"{path.name}: missing column {', '.join(repr(c) for c in missing)} "
                    f"(found {', '.join(repr(c) for c in header if c) or 'no columns'})"
                )
            for fields in reader:
                if not any(field.strip() for field in fields):
                    continue  # a blank line
                where = f"{path.name}, row {len(rows) + 1} (line {reader.line_num})"
                if len(fields) != len(header):
                    raise DataError(
                        f"{where}: {len(fields)} field{'s' * (len(fields) != 1)}, "
                        f"but the header has {len(header)}"
                    )
                rows.append((where, {name: field.strip() for name, field in zip(header, fields)}))
    except (UnicodeDecodeError, csv.Error) as err:
        raise DataError(f"{path.name}: not a readable UTF-8 CSV file ({err})") from None
    if not rows:
        raise DataError(f"{path.name}: no rows of data")
    return rows


def _whole_number(where: str, column: str, text: str, minimum: int) -> int:
    if text == "":
        raise DataError(f"{where}: {column} is missing")
    try:
        value = int(text)
    except ValueError:
        raise DataError(f"{where}: {column} {text!r} is not a whole number") from None
    if value < minimum:
        raise DataError(f"{where}: {column} {value} is below {minimum}")
    return value


def _finite_number(where: str, column: str, text: str) -> float:
    if text == "":
        raise DataError(f"{where}: {column} is missing")
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"{where}: {column} {text!r} is not a number") from None
    if not np.isfinite(value):
        raise DataError(f"{where}: {column} {text!r} is not a finite number")
    return value


def load_scores(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Read and validate the test scores: one row per student, columns ``class`` and ``score``.

    Returns a DataFrame with ``class`` as int and ``score`` as float. Raises :class:`DataError` naming
    the problem, and the row where there is one, for: a missing or empty file, a missing column, a row
    with the wrong number of fields, a missing or non-numeric value, a score outside [0, 1], an unknown
    class label, or a class with no students.
    """
    path = Path(path) if path is not None else DATA_DIR / "scores.csv"
    classes, scores = [], []
    for where, record in _read_csv_rows(path, ("class", "score")):
        label, value = record["class"], record["score"]
        if label == "":
            raise DataError(f"{where}: class is missing")
        number = _finite_number(where, "score", value)
        if not 0.0 <= number <= 1.0:
            raise DataError(f"{where}: score {number:g} is outside [0, 1]")
        try:
            cls = int(label)
        except ValueError:
            cls = None
        if cls not in SCORE_CLASSES:
            expected = ", ".join(str(c) for c in SCORE_CLASSES)
            raise DataError(f"{where}: unknown class label {label!r} (expected one of {expected})")
        classes.append(cls)
        scores.append(number)

    df = pd.DataFrame({"class": np.array(classes, dtype=int), "score": np.array(scores, dtype=float)})
    empty = [c for c in SCORE_CLASSES if not (df["class"] == c).any()]
    if empty:
        raise DataError(
            f"{path.name}: class {', '.join(str(c) for c in empty)} has no students "
            "(every class needs at least one score)"
        )
    return df


# --------------------------------------------------------------------------------------------------
# Data: eight schools
# --------------------------------------------------------------------------------------------------


def load_eight_schools(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Read and validate the eight-schools table: columns ``school``, ``effect``, ``se``.

    ``effect`` is the estimated coaching effect (SAT-V points) and ``se`` its standard error
    (positive). Raises :class:`DataError` naming the problem and the row.
    """
    path = Path(path) if path is not None else DATA_DIR / "eight_schools.csv"
    rows = []
    for where, rec in _read_csv_rows(path, ("school", "effect", "se")):
        school = rec["school"]
        if not school:
            raise DataError(f"{where}: school is missing")
        values = {col: _finite_number(where, col, rec[col]) for col in ("effect", "se")}
        if values["se"] <= 0:
            raise DataError(f"{where}: se {values['se']:g} must be positive")
        rows.append({"school": school, **values})
    df = pd.DataFrame(rows)
    dup = df["school"][df["school"].duplicated()]
    if len(dup):
        raise DataError(f"{path.name}: school {dup.iloc[0]!r} appears more than once")
    return df


# --------------------------------------------------------------------------------------------------
# Data: Part III (London schools' exam scores; contagious bovine pleuropneumonia in herds)
# --------------------------------------------------------------------------------------------------

#: The categories of the text columns of ``data/exam.csv``; ordered where the order means something.
EXAM_CATEGORIES = {
    "schgend": (["mixed", "boys", "girls"], False),
    "type": (["Mxd", "Sngl"], False),
    "sex": (["F", "M"], False),
    "vr": (["bottom 25%", "mid 50%", "top 25%"], True),  # the school's band of average intake
    "intake": (["bottom 25%", "mid 50%", "top 25%"], False),  # labels run opposite to the scores
}
#: Columns with one value per school (``vr`` too: despite mlmRev's documentation, see data/README.md).
EXAM_SCHOOL_COLUMNS = ("schavg", "schgend", "type", "vr")
EXAM_NUMBERS = ("normexam", "standLRT", "schavg")


def load_exam(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Read and validate the London schools' exam data (mlmRev's ``Exam``): one row per student.

    Columns: ``school`` and ``student`` (ints), ``normexam``, ``standLRT``, ``schavg`` (floats), and
    ``schgend``, ``type``, ``sex``, ``vr``, ``intake`` (pandas categoricals). The labels of ``vr`` and
    ``intake`` are kept as the source has them, but they are not what mlmRev's documentation says (see
    data/README.md): ``vr`` is the school's band of average intake, ordered from the bottom band up;
    ``intake`` is a student-level band whose labels run opposite to the students' scores (those
    labelled ``bottom 25%`` score highest), so it is left unordered. Raises :class:`DataError` naming
    the problem and the row for: a missing or empty file, a missing column, a wrong number of fields, a
    missing, non-numeric or non-finite number, a category not in :data:`EXAM_CATEGORIES`, and, per
    school, a value of a school-level column (:data:`EXAM_SCHOOL_COLUMNS`: ``schavg``, gender, type,
    ``vr``) that differs between its students.
    """
    path = Path(path) if path is not None else DATA_DIR / "exam.csv"
    columns = ("school", "student", *EXAM_NUMBERS, *EXAM_CATEGORIES)
    records, first_row = [], {}
    for where, rec in _read_csv_rows(path, columns):
        row = {"school": _whole_number(where, "school", rec["school"], 1),
               "student": _whole_number(where, "student", rec["student"], 1)}
        for column in EXAM_NUMBERS:
            row[column] = _finite_number(where, column, rec[column])
        for column, (levels, _ordered) in EXAM_CATEGORIES.items():
            if rec[column] not in levels:
                raise DataError(f"{where}: {column} {rec[column]!r} is not one of {', '.join(levels)}")
            row[column] = rec[column]
        first = first_row.setdefault(row["school"], (where, row))
        for column in EXAM_SCHOOL_COLUMNS:
            if row[column] != first[1][column]:
                raise DataError(f"{where}: school {row['school']} has {column} {row[column]!r}, but "
                                f"{first[0]} gives it {first[1][column]!r} (a school has one value)")
        records.append(row)
    df = pd.DataFrame(records)
    for column, (levels, ordered) in EXAM_CATEGORIES.items():
        df[column] = pd.Categorical(df[column], categories=levels, ordered=ordered)
    return df


def load_cbpp(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Read and validate lme4's ``cbpp`` data: new cases of contagious bovine pleuropneumonia per herd
    and period. Columns ``herd``, ``period`` (1-4), ``incidence`` (new cases) and ``size`` (the herd's
    size at the start of the period), all ints. Raises :class:`DataError` naming the problem and the
    row for: a missing or empty file, a missing column, a wrong number of fields, a value that is not a
    whole number, a period outside 1-4, a size below 1, more cases than animals, and a herd and period
    given twice.
    """
    path = Path(path) if path is not None else DATA_DIR / "cbpp.csv"
    records, seen = [], {}
    for where, rec in _read_csv_rows(path, ("herd", "period", "incidence", "size")):
        row = {"herd": _whole_number(where, "herd", rec["herd"], 1),
               "period": _whole_number(where, "period", rec["period"], 1),
               "incidence": _whole_number(where, "incidence", rec["incidence"], 0),
               "size": _whole_number(where, "size", rec["size"], 1)}
        if row["period"] > 4:
            raise DataError(f"{where}: period {row['period']} is not one of 1, 2, 3, 4")
        if row["incidence"] > row["size"]:
            raise DataError(f"{where}: incidence {row['incidence']} is more than the herd's size {row['size']}")
        key = (row["herd"], row["period"])
        if key in seen:
            raise DataError(f"{where}: herd {key[0]}, period {key[1]} was already given in {seen[key]}")
        seen[key] = where
        records.append(row)
    return pd.DataFrame(records).astype(int)


# --------------------------------------------------------------------------------------------------
# Data: Part IV (mathematics scores over the years, within students within Chicago schools)
# --------------------------------------------------------------------------------------------------

#: The study years of ``data/egsingle.csv``: the year of the study (1 to 6) minus 3.5.
EGSINGLE_YEARS = (-2.5, -1.5, -0.5, 0.5, 1.5, 2.5)
#: Columns with one value per school, and per child (a child's school among them), in egsingle.csv.
EGSINGLE_SCHOOL_COLUMNS = ("size", "lowinc", "mobility")
EGSINGLE_CHILD_COLUMNS = ("schoolid", "female", "black", "hispanic")


def load_egsingle(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Read and validate mlmRev's ``egsingle``: one row per mathematics score of a child in a year.

    Columns (checked against the data in data/README.md): ``schoolid`` and ``childid`` (ints);
    ``year`` (float), the year of the study, 1 to 6, minus 3.5, so -2.5 to 2.5 in steps of 1;
    ``grade`` (int, 0 to 5), the child's grade that year, which tracks ``year`` (grade = year + 1.5
    for most scores) except for children who repeated or skipped a grade; ``math`` (float), the
    score on the test's IRT scale; ``retained`` (int 0/1), 1 in a year in which the child repeated
    the previous year's grade; ``female`` (categorical, ``Female``/``Male``), ``black`` and
    ``hispanic`` (int 0/1, never both 1), one value per child; ``size`` (int, the school's
    enrolment), ``lowinc`` and ``mobility`` (floats, percentages 0-100: the school's share of
    low-income students and its student mobility rate), one value per school.

    Raises :class:`DataError` naming the problem and the row for: a missing or empty file, a missing
    column, a wrong number of fields, a missing or non-numeric value, a year not in
    :data:`EGSINGLE_YEARS`, a grade outside 0-5, a 0/1 column with another value, a sex other than
    Female or Male, a child both black and hispanic, a percentage outside 0-100, a school size below
    1, a child's score given twice for one year, and a school-level (:data:`EGSINGLE_SCHOOL_COLUMNS`)
    or child-level (:data:`EGSINGLE_CHILD_COLUMNS`, the child's school among them) value that
    differs from the one an earlier row gave.
    """
    path = Path(path) if path is not None else DATA_DIR / "egsingle.csv"
    columns = ("schoolid", "childid", "year", "grade", "math", "retained", "female", "black",
               "hispanic", "size", "lowinc", "mobility")
    records, seen, first_of = [], {}, {}
    for where, rec in _read_csv_rows(path, columns):
        row = {"schoolid": _whole_number(where, "schoolid", rec["schoolid"], 1),
               "childid": _whole_number(where, "childid", rec["childid"], 1),
               "year": _finite_number(where, "year", rec["year"]),
               "grade": _whole_number(where, "grade", rec["grade"], 0),
               "math": _finite_number(where, "math", rec["math"])}
        if row["year"] not in EGSINGLE_YEARS:
            raise DataError(f"{where}: year {rec['year']} is not one of "
                            f"{', '.join(f'{y:g}' for y in EGSINGLE_YEARS)}")
        if row["grade"] > 5:
            raise DataError(f"{where}: grade {row['grade']} is above 5")
        for column in ("retained", "black", "hispanic"):
            row[column] = _whole_number(where, column, rec[column], 0)
            if row[column] > 1:
                raise DataError(f"{where}: {column} {row[column]} is not 0 or 1")
        if row["black"] and row["hispanic"]:
            raise DataError(f"{where}: black and hispanic are both 1")
        if rec["female"] not in ("Female", "Male"):
            raise DataError(f"{where}: female {rec['female']!r} is not Female or Male")
        row["female"] = rec["female"]
        row["size"] = _whole_number(where, "size", rec["size"], 1)
        for column in ("lowinc", "mobility"):
            row[column] = _finite_number(where, column, rec[column])
            if not 0 <= row[column] <= 100:
                raise DataError(f"{where}: {column} {row[column]:g} is outside 0-100 (a percentage)")
        key = (row["childid"], row["year"])
        if key in seen:
            raise DataError(f"{where}: child {key[0]}, year {key[1]:g} was already given in {seen[key]}")
        seen[key] = where
        for unit, unit_columns in (("schoolid", EGSINGLE_SCHOOL_COLUMNS),
                                   ("childid", EGSINGLE_CHILD_COLUMNS)):
            first_where, first = first_of.setdefault((unit, row[unit]), (where, row))
            for column in unit_columns:
                if row[column] != first[column]:
                    name = "school" if unit == "schoolid" else "child"
                    raise DataError(f"{where}: {name} {row[unit]} has {column} {row[column]!r}, but "
                                    f"{first_where} gives it {first[column]!r} (one value per {name})")
        records.append(row)
    df = pd.DataFrame(records, columns=list(columns))
    df["female"] = pd.Categorical(df["female"], categories=["Female", "Male"])
    return df


# --------------------------------------------------------------------------------------------------
# Data: Part IV (Scottish students, each in a primary and a secondary school)
# --------------------------------------------------------------------------------------------------

#: The codes of ``social`` in ``data/scotssec.csv``. They are labels, not a scale: the students
#: coded 0 score lowest and those coded 1 highest, with 31 and 20 in between (see data/README.md).
SCOTSSEC_SOCIAL_CODES = (0, 1, 20, 31)
#: The categories of ``sex``, in mlmRev's order (``M`` first).
SCOTSSEC_SEXES = ("M", "F")


def load_scotssec(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Read and validate mlmRev's ``ScotsSec``: one row per student of 3,435 in Fife, Scotland.

    Columns (checked against the data in data/README.md): ``verbal`` (int), the verbal-reasoning
    score on entry to secondary school, whole points from -30 to 40 with mean about -2 and standard
    deviation about 13 (it looks like a quotient minus 100, with a floor at -30; the source does not
    say); ``attain`` (int, 1 to 10), the attainment score at 16, piled up at 2 and at 10;
    ``primary`` (int, 1 to 148) and ``second`` (int, 1 to 19), the primary and the secondary school
    the student attended, crossed, not nested; ``sex`` (categorical, ``M``/``F``); ``social``
    (categorical, unordered), a social-class code from :data:`SCOTSSEC_SOCIAL_CODES`, which
    mlmRev calls a scale from low to high but whose codes do not order the students' scores.

    Raises :class:`DataError` naming the problem and the row for: a missing or empty file, a missing
    column, a wrong number of fields, a missing value or one that is not a whole number, an
    ``attain`` outside 1-10, a school number below 1, a sex other than M or F, and a ``social``
    code not in :data:`SCOTSSEC_SOCIAL_CODES`.
    """
    path = Path(path) if path is not None else DATA_DIR / "scotssec.csv"
    columns = ("verbal", "attain", "primary", "sex", "social", "second")
    records = []
    for where, rec in _read_csv_rows(path, columns):
        if rec["verbal"] == "":
            raise DataError(f"{where}: verbal is missing")
        try:
            verbal = int(rec["verbal"])
        except ValueError:
            raise DataError(f"{where}: verbal {rec['verbal']!r} is not a whole number") from None
        row = {"verbal": verbal,
               "attain": _whole_number(where, "attain", rec["attain"], 1),
               "primary": _whole_number(where, "primary", rec["primary"], 1),
               "second": _whole_number(where, "second", rec["second"], 1)}
        if row["attain"] > 10:
            raise DataError(f"{where}: attain {row['attain']} is above 10 (the score runs 1-10)")
        if rec["sex"] not in SCOTSSEC_SEXES:
            raise DataError(f"{where}: sex {rec['sex']!r} is not M or F")
        row["sex"] = rec["sex"]
        codes = ", ".join(str(code) for code in SCOTSSEC_SOCIAL_CODES)
        if rec["social"] not in {str(code) for code in SCOTSSEC_SOCIAL_CODES}:
            raise DataError(f"{where}: social {rec['social']!r} is not one of the codes {codes}")
        row["social"] = int(rec["social"])
        records.append(row)
    df = pd.DataFrame(records, columns=list(columns))
    df["sex"] = pd.Categorical(df["sex"], categories=list(SCOTSSEC_SEXES))
    df["social"] = pd.Categorical(df["social"], categories=list(SCOTSSEC_SOCIAL_CODES))
    return df


# --------------------------------------------------------------------------------------------------
# Part I: the true values behind the simulated scores, and the shrinkage plot
# --------------------------------------------------------------------------------------------------


def scores_truth(path: str | os.PathLike | None = None) -> dict:
    """The true values of the simulation that made ``data/scores.csv`` (see ``data/make_scores.py``).

    Reads ``data/scores_truth.json``, written by that script. Returns a dict with the floats
    ``grand_mean``, ``between_class_sd`` and ``within_class_sd``, the ints ``seed`` and ``n_questions``,
    and ``class_sizes`` and ``class_means``: dicts keyed by the int class labels 1-5. Raises
    :class:`DataError` if the file is missing or lacks a value.
    """
    import json

    path = Path(path) if path is not None else DATA_DIR / "scores_truth.json"
    if not path.is_file():
        raise DataError(f"{path}: no such file (run python data/make_scores.py)")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise DataError(f"{path.name}: not valid JSON ({err})") from None
    needed = ("seed", "n_questions", "grand_mean", "between_class_sd", "within_class_sd",
              "class_sizes", "class_means")
    missing = [key for key in needed if key not in raw]
    if missing:
        raise DataError(f"{path.name}: missing {', '.join(repr(k) for k in missing)}")
    truth = {key: float(raw[key]) for key in ("grand_mean", "between_class_sd", "within_class_sd")}
    truth["seed"] = int(raw["seed"])
    truth["n_questions"] = int(raw["n_questions"])
    for key, kind in (("class_sizes", int), ("class_means", float)):
        values = {int(label): kind(v) for label, v in raw[key].items()}
        if sorted(values) != list(SCORE_CLASSES):
            raise DataError(f"{path.name}: {key} must have one value per class {SCORE_CLASSES}")
        truth[key] = values
    return truth


def plot_shrinkage(no_pooling, partial_pooling, grand_mean: float, class_sizes, ax=None,
                   partial_label: str = "partial pooling"):
    """Arrows from each class's own average to its partial-pooling estimate, one row per class.

    ``no_pooling``, ``partial_pooling`` and ``class_sizes`` are pandas Series indexed by class label
    (or dicts); ``grand_mean`` is drawn as a dashed vertical line. Rows are labelled with the class
    and its size, so the reader can see that small classes travel furthest. Returns the axes.
    """
    import matplotlib.pyplot as plt

    no_pooling, partial_pooling = pd.Series(no_pooling), pd.Series(partial_pooling)
    class_sizes = pd.Series(class_sizes)
    labels = list(no_pooling.index)
    if sorted(labels) != sorted(partial_pooling.index) or sorted(labels) != sorted(class_sizes.index):
        raise ValueError("no_pooling, partial_pooling and class_sizes must have the same class labels")
    if ax is None:
        _, ax = plt.subplots()
    rows = np.arange(len(labels))[::-1]  # the first class on top
    grand = ax.axvline(grand_mean, color="black", linestyle="--", linewidth=1, label="grand mean")
    for row, label in zip(rows, labels):
        start, end = float(no_pooling[label]), float(partial_pooling[label])
        ax.annotate("", xy=(end, row), xytext=(start, row),
                    arrowprops={"arrowstyle": "->", "color": "0.5", "shrinkA": 4, "shrinkB": 4})
    # Open circles on top of filled ones, so both stay visible where a class hardly moves.
    partial = ax.scatter(partial_pooling[labels], rows, s=40, color=OKABE_ITO[0], zorder=3,
                         label=partial_label)
    own = ax.scatter(no_pooling[labels], rows, s=40, facecolors="none", edgecolors=OKABE_ITO[1],
                     linewidths=1.5, zorder=4, label="no pooling (class average)")
    ax.set_yticks(rows, [f"class {label} (n = {int(class_sizes[label])})" for label in labels])
    ax.set_ylim(rows.min() - 0.6, rows.max() + 0.6)
    ax.set_xlabel("mean score (fraction of questions correct)")
    # The legend in the order of the story: grand mean, no pooling, partial pooling; in two columns,
    # since in one row it is wider than a phone's column.
    ax.legend(handles=[grand, own, partial], loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2)
    return ax


# --------------------------------------------------------------------------------------------------
# Eight schools: the exact posterior of (mu, tau), by one-dimensional numerical integration
# --------------------------------------------------------------------------------------------------

import dataclasses  # noqa: E402  (kept beside the only code that uses it)


@dataclasses.dataclass(frozen=True)
class EightSchoolsExact:
    """The eight-schools posterior computed without a sampler; see :func:`eight_schools_exact_posterior`.

    Arrays on the tau grid: ``tau``, ``tau_density`` (p(tau | y)), ``tau_cdf_grid`` (P(tau <= t | y)),
    ``mu_given_tau_mean`` and ``mu_given_tau_sd`` (mu | tau, y is normal). Posterior summaries:
    ``mu_mean``, ``mu_sd``, ``tau_mean``, ``tau_sd``, ``theta_mean``, ``theta_sd`` (one per school).
    ``tail_mass`` estimates the posterior mass of tau beyond the end of the grid (it should be tiny).
    """

    tau: np.ndarray
    tau_density: np.ndarray
    tau_cdf_grid: np.ndarray
    mu_given_tau_mean: np.ndarray
    mu_given_tau_sd: np.ndarray
    mu_mean: float
    mu_sd: float
    tau_mean: float
    tau_sd: float
    theta_mean: np.ndarray
    theta_sd: np.ndarray
    tail_mass: float
    grid_knee: float

    def _u(self, t):
        return np.arcsinh(np.asarray(t, dtype=float) / self.grid_knee)

    def tau_cdf(self, t):
        """P(tau <= t | y) for a number or an array of numbers t (0 below zero, 1 beyond the grid)."""
        t = np.asarray(t, dtype=float)
        out = np.interp(self._u(np.clip(t, 0.0, None)), self._u(self.tau), self.tau_cdf_grid)
        return float(out) if out.ndim == 0 else out

    def tau_quantile(self, q):
        """The q-quantile(s) of tau | y, for q in [0, 1]."""
        q = np.asarray(q, dtype=float)
        if np.any((q < 0) | (q > 1)) or not np.all(np.isfinite(q)):
            raise ValueError("quantile levels must lie in [0, 1]")
        u = np.interp(q, self.tau_cdf_grid, self._u(self.tau))
        out = self.grid_knee * np.sinh(u)
        return float(out) if out.ndim == 0 else out

    def log_tau_density(self, log_tau):
        """The posterior density of log(tau) at the given values: p(log tau | y) = tau p(tau | y)."""
        log_tau = np.asarray(log_tau, dtype=float)
        tau = np.exp(log_tau)
        dens = np.interp(self._u(tau), self._u(self.tau), self.tau_density, right=0.0)
        out = tau * dens
        return float(out) if out.ndim == 0 else out


def _as_vector(values, name: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers, got {values!r}") from None
    if array.ndim != 1:
        raise ValueError(f"{name} must be a one-dimensional sequence, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name} is empty: need at least one school")
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise ValueError(f"{name}[{bad[0]}] is {array[bad[0]]}: every value must be a finite number")
    return array


def _positive_scalar(value, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a positive number, got {value!r}") from None
    if not (np.isfinite(number) and number > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return number


def eight_schools_exact_posterior(
    effect,
    se,
    mu_prior_sd: float = 5.0,
    tau_prior_scale: float = 5.0,
    *,
    n_grid: int = 4001,
    tau_max: float | None = None,
    grid_knee: float | None = None,
) -> EightSchoolsExact:
    """The posterior of the eight-schools model, computed by integration instead of sampling.

    Model: y_j ~ Normal(theta_j, se_j) with se_j known, theta_j ~ Normal(mu, tau),
    mu ~ Normal(0, mu_prior_sd), tau ~ HalfCauchy(tau_prior_scale) (the seed notebook's priors).
    Integrating theta out gives y_j | mu, tau ~ Normal(mu, sqrt(se_j^2 + tau^2)); then mu | tau, y is
    normal (conjugate), so mu integrates out in closed form too and only p(tau | y) needs a grid.
    The grid is tau = knee * sinh(u) with u evenly spaced: even steps of about ``knee * du`` near 0
    and even steps in log(tau) further out, up to ``tau_max`` (default 10,000 times the largest scale
    in the problem), so the heavy HalfCauchy tail is covered; integrals use Simpson's rule in u.

    Returns an :class:`EightSchoolsExact`. Raises ValueError for effect/se of different lengths,
    empty or non-numeric input, non-finite values, se <= 0, non-positive prior scales, a grid of fewer
    than 101 points, or a tau_max that is not positive and finite.
    """
    from scipy.integrate import cumulative_simpson, simpson

    y = _as_vector(effect, "effect")
    s = _as_vector(se, "se")
    if y.size != s.size:
        raise ValueError(f"effect has {y.size} values but se has {s.size}: need one se per effect")
    nonpositive = np.flatnonzero(s <= 0)
    if nonpositive.size:
        i = nonpositive[0]
        raise ValueError(f"se[{i}] is {s[i]:g}: standard errors must be positive")
    mu_prior_sd = _positive_scalar(mu_prior_sd, "mu_prior_sd")
    tau_prior_scale = _positive_scalar(tau_prior_scale, "tau_prior_scale")
    if isinstance(n_grid, bool) or not isinstance(n_grid, (int, np.integer)) or n_grid < 101:
        raise ValueError(f"n_grid must be a whole number of at least 101, got {n_grid!r}")
    n_grid = int(n_grid) | 1  # Simpson's rule wants an odd number of points
    scale = max(tau_prior_scale, float(np.max(np.abs(y))), float(np.max(s)), mu_prior_sd)
    tau_max = 1e4 * scale if tau_max is None else _positive_scalar(tau_max, "tau_max")
    knee = 0.01 * min(float(np.min(s)), tau_prior_scale) if grid_knee is None else _positive_scalar(
        grid_knee, "grid_knee"
    )

    u = np.linspace(0.0, np.arcsinh(tau_max / knee), n_grid)
    tau = knee * np.sinh(u)
    jacobian = knee * np.cosh(u)  # d tau / d u

    # y_j | mu, tau ~ Normal(mu, sqrt(se_j^2 + tau^2)); then mu | tau, y ~ Normal(m, 1/sqrt(P)).
    var = s[None, :] ** 2 + tau[:, None] ** 2
    precision = 1.0 / mu_prior_sd**2 + np.sum(1.0 / var, axis=1)
    mu_cond_mean = np.sum(y[None, :] / var, axis=1) / precision
    # log p(y | tau) with mu integrated out (Gaussian integral), dropping constants in tau.
    log_lik = (
        -0.5 * np.sum(np.log(var), axis=1)
        - 0.5 * np.log(mu_prior_sd**2 * precision)
        - 0.5 * (np.sum(y[None, :] ** 2 / var, axis=1) - precision * mu_cond_mean**2)
    )
    log_prior = -np.log1p((tau / tau_prior_scale) ** 2)  # HalfCauchy, up to a constant
    log_post = log_prior + log_lik
    unnorm = np.exp(log_post - log_post.max())
    norm = simpson(unnorm * jacobian, x=u)
    density = unnorm / norm

    def expect(values):
        return simpson(values * (density * jacobian)[(...,) + (None,) * (np.ndim(values) - 1)], x=u, axis=0)

    cdf = cumulative_simpson(density * jacobian, x=u, initial=0.0)
    cdf = np.clip(np.maximum.accumulate(cdf), 0.0, 1.0)

    mu_mean = float(expect(mu_cond_mean))
    mu_var = float(expect(1.0 / precision + mu_cond_mean**2)) - mu_mean**2
    tau_mean = float(expect(tau))
    tau_var = float(expect(tau**2)) - tau_mean**2

    # theta_j | mu, tau, y ~ Normal((1 - B_j) y_j + B_j mu, sqrt((1 - B_j) se_j^2)),
    # B_j = se_j^2 / (se_j^2 + tau^2); averaging over mu | tau, y adds B_j^2 / P to the variance.
    shrink = s[None, :] ** 2 / var
    theta_cond_mean = (1.0 - shrink) * y[None, :] + shrink * mu_cond_mean[:, None]
    theta_cond_var = (1.0 - shrink) * s[None, :] ** 2 + shrink**2 / precision[:, None]
    theta_mean = expect(theta_cond_mean)
    theta_var = expect(theta_cond_var + theta_cond_mean**2) - theta_mean**2

    # Beyond the grid the posterior falls like tau^-(J + 2) (prior tau^-2, likelihood tau^-J).
    tail_mass = float(density[-1] * tau[-1] / (y.size + 1))

    return EightSchoolsExact(
        tau=tau,
        tau_density=density,
        tau_cdf_grid=cdf,
        mu_given_tau_mean=mu_cond_mean,
        mu_given_tau_sd=1.0 / np.sqrt(precision),
        mu_mean=mu_mean,
        mu_sd=float(np.sqrt(mu_var)),
        tau_mean=tau_mean,
        tau_sd=float(np.sqrt(tau_var)),
        theta_mean=np.asarray(theta_mean),
        theta_sd=np.sqrt(np.asarray(theta_var)),
        tail_mass=tail_mass,
        grid_knee=knee,
    )
