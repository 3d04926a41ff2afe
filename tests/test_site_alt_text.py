"""Every figure in the built book has alt text that says what it shows: each ``<img>`` inside the main
content of a page in _toc.yml has a non-empty ``alt`` that is not a generic word ("plot", "image",
"png", ...), not the image's file name or path, and not matplotlib's repr ("<Figure size 640x480 with
1 Axes>"). A figure's alt text comes from its cell's metadata (``mystnb: image: alt: ...``, STYLE.md).

Pure Python over _build/html (no browser).
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

import site_support

GENERIC = {
    "", "png", "jpg", "jpeg", "svg", "gif", "webp", "image", "img", "picture", "photo", "plot", "plots",
    "figure", "fig", "graph", "chart", "diagram", "output", "untitled", "alt", "alt text", "matplotlib",
    "a plot", "the plot", "a figure", "the figure", "an image", "the image", "figure 1", "plot 1",
}
FILE_LIKE = re.compile(r"\.(png|jpe?g|svg|gif|webp|pdf)$|^\.{0,2}/|/_images/|^_images/", re.I)
MPL_REPR = re.compile(r"<\s*Figure size .* Axes\s*>", re.I)
MAIN_CONTENT = "article.bd-article"


def alt_text_problem(alt: str | None, src: str) -> str | None:
    """Why ``alt`` does not describe the image at ``src``, or None if it is fine."""
    if alt is None:
        return "no alt attribute"
    text = " ".join(alt.split())
    words = re.sub(r"[^\w\s]", " ", text.lower()).split()
    name = PurePosixPath(unquote(urlsplit(src).path)).name.lower()
    if not text:
        return "empty alt"
    if " ".join(words) in GENERIC or text.lower() in GENERIC:
        return f"generic alt {alt!r}"
    if MPL_REPR.search(text):
        return f"alt is matplotlib's repr {alt!r}"
    if FILE_LIKE.search(text) or text.lower() in (name, name.rsplit(".", 1)[0]):
        return f"alt is a file name or path {alt!r}"
    if len(words) < 2:
        return f"alt {alt!r} is one word: say what the figure shows"
    return None


def missing_alt_text(site_dir: Path) -> tuple[int, list[str]]:
    """(number of images checked, one line per image whose alt text does not describe it)."""
    checked, problems = 0, []
    for page in site_support.toc_pages():
        soup = BeautifulSoup((Path(site_dir) / page).read_text(encoding="utf-8"), "html.parser")
        main = soup.select_one(MAIN_CONTENT)
        assert main is not None, f"{page} has no {MAIN_CONTENT}: did the theme change?"
        for img in main.find_all("img"):
            checked += 1
            problem = alt_text_problem(img.get("alt"), img.get("src", ""))
            if problem:
                problems.append(f"{page}: <img src={img.get('src', '')!r}>: {problem}")
    return checked, problems


def test_every_figure_has_descriptive_alt_text(site_dir):
    checked, problems = missing_alt_text(site_dir)
    assert not problems, (
        f"{len(problems)} of {checked} images lack alt text that says what they show (set it in the cell: "
        "mystnb: image: alt: ...):\n" + "\n".join(f"  - {p}" for p in problems)
    )


@pytest.mark.parametrize(
    ("alt", "src", "ok"),
    [
        ("Scatter of 500 draws of x against v, narrowing to a point as v decreases.", "a.png", True),
        ("Forest plot of the eight school effects", "../_images/f.png", True),
        (None, "a.png", False),
        ("", "a.png", False),
        ("  ", "a.png", False),
        ("plot", "a.png", False),
        ("Figure", "a.png", False),
        ("png", "a.png", False),
        ("../_images/0a1b2c.png", "../_images/0a1b2c.png", False),
        ("0a1b2c.png", "../_images/0a1b2c.png", False),
        ("0a1b2c", "../_images/0a1b2c.png", False),
        ("<Figure size 640x480 with 1 Axes>", "a.png", False),
        ("funnel", "a.png", False),
    ],
)
def test_alt_text_rules(alt, src, ok):
    assert (alt_text_problem(alt, src) is None) == ok, alt_text_problem(alt, src)
