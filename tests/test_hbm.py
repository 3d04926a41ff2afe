"""Unit tests of the helper module's foundation: the seed, the plot style, the eight-schools loader."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl
import numpy as np
import pytest

import hbm


# ---- random_seed -------------------------------------------------------------------------------

def test_random_seed_default(monkeypatch):
    monkeypatch.delenv("BOOK_SEED", raising=False)
    assert hbm.random_seed() == hbm.DEFAULT_SEED
    assert hbm.random_seed(default=5) == 5


def test_random_seed_from_environment(monkeypatch):
    monkeypatch.setenv("BOOK_SEED", " 7 ")
    assert hbm.random_seed() == 7


@pytest.mark.parametrize("bad", ["seven", "1.5", "-3"])
def test_random_seed_rejects_bad_values(monkeypatch, bad):
    monkeypatch.setenv("BOOK_SEED", bad)
    with pytest.raises(ValueError, match="BOOK_SEED must be a non-negative whole number"):
        hbm.random_seed()


# ---- style -------------------------------------------------------------------------------------

def _relative_luminance(hex_colour):
    rgb = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    lin = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return float(lin @ [0.2126, 0.7152, 0.0722])


def test_style_uses_the_colour_blind_safe_palette():
    hbm.set_style()
    cycle = [c.upper() for c in mpl.rcParams["axes.prop_cycle"].by_key()["color"]]
    assert cycle == [c.upper() for c in hbm.OKABE_ITO]
    # Okabe & Ito's eight colours, exactly (a typo would quietly break colour-blind safety).
    assert set(cycle) == {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"}


def test_style_first_colours_are_visible_on_white():
    # The first colours plotted are the ones readers see most: WCAG's 3:1 contrast for graphics on white.
    for colour in hbm.OKABE_ITO[:4]:
        contrast = 1.05 / (_relative_luminance(colour) + 0.05)
        assert contrast >= 3.0, colour


def test_style_keeps_figures_light():
    hbm.set_style()
    width, height = mpl.rcParams["figure.figsize"]
    assert width * mpl.rcParams["savefig.dpi"] <= 1000 and height <= width


# ---- eight schools loader ------------------------------------------------------------------------

def test_eight_schools_shipped_file():
    df = hbm.load_eight_schools()
    assert list(df.columns) == ["school", "effect", "se"]
    assert list(df["school"]) == list("ABCDEFGH")
    # Rubin (1981), as tabulated in Gelman et al. (2013), Table 5.2.
    assert df["effect"].tolist() == [28, 8, -3, 7, -1, 1, 18, 12]
    assert df["se"].tolist() == [15, 10, 16, 11, 9, 11, 10, 18]


def _write(tmp_path, text):
    path = tmp_path / "eight_schools.csv"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "text, message",
    [
        ("school,effect\nA,28\n", r"missing column 'se'"),
        ("school,effect,se\n", "no rows of data"),
        ("school,effect,se\nA,28,15\nB,,10\n", r"row 2 \(line 3\): effect is missing"),
        ("school,effect,se\nA,28,15\nB,eight,10\n", r"row 2 \(line 3\): effect 'eight' is not a number"),
        ("school,effect,se\nA,28,0\n", r"row 1 \(line 2\): se 0 must be positive"),
        ("school,effect,se\nA,28,-4\n", r"se -4 must be positive"),
        ("school,effect,se\nA,inf,4\n", r"effect 'inf' is not a finite number"),
        ("school,effect,se\n,28,4\n", r"row 1 \(line 2\): school is missing"),
        ("school,effect,se\nA,28,4\nA,3,5\n", r"school 'A' appears more than once"),
    ],
)
def test_eight_schools_bad_input(tmp_path, text, message):
    with pytest.raises(hbm.DataError, match=message):
        hbm.load_eight_schools(_write(tmp_path, text))


#: Every loader of the book's data (hbm's ``load_*`` functions, so a new one is tested too).
LOADERS = [function for name, function in sorted(vars(hbm).items()) if name.startswith("load_")]


@pytest.mark.parametrize("loader", LOADERS, ids=lambda loader: loader.__name__)
def test_every_loader_names_a_missing_file(tmp_path, loader):
    assert len(LOADERS) >= 6  # scores, eight schools, exam, cbpp, egsingle, scotssec
    with pytest.raises(hbm.DataError, match=r"nowhere\.csv: no such file"):
        loader(tmp_path / "nowhere.csv")


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "the file is empty"),
        ("school,effect,se\nA,28,15,99\n", r"row 1 \(line 2\): 4 fields, but the header has 3"),
        ("school,effect,se\nA,28,15\n\nB,x,10\n", r"row 2 \(line 4\): effect 'x' is not a number"),
        ("school,effect,se,se\nA,28,15,15\n", "column 'se' appears more than once"),
    ],
)
def test_eight_schools_malformed_csv(tmp_path, text, message):
    with pytest.raises(hbm.DataError, match=message):
        hbm.load_eight_schools(_write(tmp_path, text))
