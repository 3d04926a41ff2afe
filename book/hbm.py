"""Helpers shared by the chapters of *Bayesian Hierarchical Models with PyMC and ArviZ*.

One small module, on purpose: data loading (with validation), the book's random seed, the plot style,
and plots that more than one chapter uses. Models stay inline in the chapters: they are the lesson.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

#: The seed every chapter uses unless the environment variable ``BOOK_SEED`` names another.
DEFAULT_SEED = 20261121

#: Okabe & Ito's colour-blind-safe palette (black first, then the eight hues).
OKABE_ITO = [
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
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
            "font.size": 10,
            "axes.titlesize": 11,
            "axes.labelsize": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "legend.frameon": False,
            "image.cmap": "viridis",
        }
    )
    # Inline figures in executed notebooks: PNG at the dpi above, tight bounding box.
    try:  # pragma: no cover - only inside IPython
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")
    except Exception:  # noqa: BLE001 - outside IPython there is nothing to configure
        pass


# --------------------------------------------------------------------------------------------------
# Data: test scores in five classes
# --------------------------------------------------------------------------------------------------

#: The class labels in ``data/scores.csv``.
SCORE_CLASSES = (1, 2, 3, 4, 5)


def _csv_line(row_index: int) -> int:
    """The line of the CSV file holding data row ``row_index`` (0-based; the header is line 1)."""
    return row_index + 2


def load_scores(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Read and validate the test scores: one row per student, columns ``class`` and ``score``.

    Returns a DataFrame with ``class`` as int and ``score`` as float. Raises :class:`DataError` naming
    the problem, and the row where there is one, for: a missing column, a missing or non-numeric
    value, a score outside [0, 1], an unknown class label, or a class with no students.
    """
    path = Path(path) if path is not None else DATA_DIR / "scores.csv"
    if not path.exists():
        raise DataError(f"{path}: no such file")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in ("class", "score") if c not in raw.columns]
    if missing:
        raise DataError(
            f"{path.name}: missing column {', '.join(repr(c) for c in missing)} "
            f"(found {', '.join(repr(c) for c in raw.columns) or 'no columns'})"
        )
    if raw.empty:
        raise DataError(f"{path.name}: no rows of data")

    classes, scores = [], []
    for i, (label, value) in enumerate(zip(raw["class"].str.strip(), raw["score"].str.strip())):
        where = f"{path.name}, row {i + 1} (line {_csv_line(i)})"
        if label == "":
            raise DataError(f"{where}: class is missing")
        if value == "":
            raise DataError(f"{where}: score is missing")
        try:
            number = float(value)
        except ValueError:
            raise DataError(f"{where}: score {value!r} is not a number") from None
        if not np.isfinite(number):
            raise DataError(f"{where}: score {value!r} is not a finite number")
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
    if not path.exists():
        raise DataError(f"{path}: no such file")
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    raw.columns = [str(c).strip() for c in raw.columns]
    missing = [c for c in ("school", "effect", "se") if c not in raw.columns]
    if missing:
        raise DataError(
            f"{path.name}: missing column {', '.join(repr(c) for c in missing)} "
            f"(found {', '.join(repr(c) for c in raw.columns) or 'no columns'})"
        )
    if raw.empty:
        raise DataError(f"{path.name}: no rows of data")
    rows = []
    for i, rec in enumerate(raw.to_dict("records")):
        where = f"{path.name}, row {i + 1} (line {_csv_line(i)})"
        school = rec["school"].strip()
        if not school:
            raise DataError(f"{where}: school is missing")
        values = {}
        for col in ("effect", "se"):
            text = rec[col].strip()
            if text == "":
                raise DataError(f"{where}: {col} is missing")
            try:
                values[col] = float(text)
            except ValueError:
                raise DataError(f"{where}: {col} {text!r} is not a number") from None
            if not np.isfinite(values[col]):
                raise DataError(f"{where}: {col} {text!r} is not a finite number")
        if values["se"] <= 0:
            raise DataError(f"{where}: se {values['se']:g} must be positive")
        rows.append({"school": school, **values})
    df = pd.DataFrame(rows)
    dup = df["school"][df["school"].duplicated()]
    if len(dup):
        raise DataError(f"{path.name}: school {dup.iloc[0]!r} appears more than once")
    return df
