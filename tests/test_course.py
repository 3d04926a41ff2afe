"""The course edition (``make course``, _ext/course.py): the same book with no solution anywhere (checked
against the solutions' own text on the public site), the same exercise and figure numbers, the
edition's note on every chapter, student notebooks only; and the answer key, which holds every
exercise and every solution.

The fixture runs ``make course`` once, after the strict build of the public site.
"""

from __future__ import annotations

import re
import sys
import unicodedata
import zipfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT, make_ok

sys.path.insert(0, str(ROOT / "_ext"))
import course  # noqa: E402
import pdf  # noqa: E402

COURSE_SITE = ROOT / "_build" / "course" / "_build" / "html"
ANSWER_KEY = ROOT / "_build" / "answer-key" / "answer-key.pdf"


@pytest.fixture(scope="session")
def course_site(built_site):
    make_ok("course")
    return COURSE_SITE


def chapters(site: Path) -> list[str]:
    _root, parts = pdf.read_toc()
    return [d for p in parts for d in p.docs if pdf.article(site, d).select_one("div.exercise")]


def squash(text: str) -> str:
    """Spaces collapsed; ligatures (ﬀ) and math letters as plain letters (NFKC)."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def solution_snippets(article) -> list[str]:
    """Pieces of each solution's own text (its paragraphs and code lines, 30+ characters) in a page's
    article (``pdf.article``)."""
    snippets = []
    for solution in article.select("div.solution"):
        for block in solution.select("p, pre"):
            if block.find("math"):  # a PDF's text spells math its own way
                continue
            for line in block.get_text().splitlines():
                line = squash(line)
                if len(line) >= 30 and not line.startswith("Solution to"):
                    snippets.append(line)
    return snippets


def numbers(site: Path, doc: str, selector: str) -> list[str]:
    """The numbers (titles) of what ``selector`` finds outside the solutions."""
    return [squash(n.get_text()) for n in pdf.article(site, doc).select(selector)
            if not n.find_parent("div", class_="solution")]


def test_course_pages_hold_no_solution(course_site, built_site):
    found = []
    for doc in chapters(built_site):
        page = pdf.article(course_site, doc)
        assert not page.select("div.solution"), f"{doc}: a solution box in the course edition"
        text = squash(page.get_text(" "))
        public = pdf.article(built_site, doc)
        snippets = solution_snippets(public)
        assert snippets, f"{doc}: no solution text on the public site to compare with"
        for solution in public.select("div.solution"):
            solution.decompose()
        elsewhere = squash(public.get_text(" "))  # text a solution shares with the page (a library's log)
        found += [f"{doc}: {s[:60]!r}" for s in snippets if s in text and s not in elsewhere]
    assert not found, "solution text in the course edition:\n" + "\n".join(found[:10])


def test_course_numbers_exercises_and_figures_as_the_public_site(course_site, built_site):
    for doc in chapters(built_site):
        for selector in ("div.exercise p.admonition-title", "figcaption span.caption-number"):
            assert numbers(course_site, doc, selector) == numbers(built_site, doc, selector), (doc, selector)


def test_course_says_it_is_the_course_edition(course_site, built_site):
    root, _parts = pdf.read_toc()
    for doc in [root] + chapters(built_site):
        assert course.EDITION_NOTE in squash(pdf.article(course_site, doc).get_text(" ")), doc


def test_course_downloads_are_student_notebooks_only(course_site):
    notebooks = course_site / "_notebooks"
    complete = [p.name for p in notebooks.glob("*.ipynb") if not p.name.endswith("-student.ipynb")]
    assert list(notebooks.glob("*-student.ipynb")) and not complete, complete
    assert not (notebooks / "complete-notebooks.zip").exists()
    for path in notebooks.glob("*.zip"):
        names = zipfile.ZipFile(path).namelist()
        complete = [n for n in names if n.endswith(".ipynb") and not n.endswith("-student.ipynb")]
        assert not complete, f"{path.name} holds {complete}"
    for page in course_site.glob("book/*.html"):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        links = [a["href"] for a in soup.select("a[href$='.ipynb']") if not a["href"].endswith("-student.ipynb")]
        assert not links, f"{page.name} links {links}"


def test_answer_key_holds_every_exercise_and_solution(course_site, built_site):
    pypdf = pytest.importorskip("pypdf")
    text = squash(" ".join(p.extract_text() or "" for p in pypdf.PdfReader(ANSWER_KEY).pages))
    flat = text.replace(" ", "")
    for doc in chapters(built_site):
        for title in numbers(built_site, doc, "div.exercise p.admonition-title"):
            assert title.split("(")[0].replace(" ", "") in flat, f"answer key lacks {doc}'s {title!r}"
        for snippet in solution_snippets(pdf.article(built_site, doc))[:3]:
            assert snippet.replace(" ", "") in flat, f"answer key lacks {doc}'s solution text {snippet[:50]!r}"


def test_course_config_points_at_the_main_cache_and_extensions(tmp_path):
    import yaml

    config = yaml.safe_load(course.write_config(tmp_path / "_config.yml").read_text())
    assert config["sphinx"]["config"]["book_edition"] == "course"
    assert Path(config["execute"]["cache"]) == (ROOT / "_build" / ".jupyter_cache").resolve()
    assert all(Path(p).is_absolute() and Path(p).is_dir() for p in config["sphinx"]["local_extensions"].values())
