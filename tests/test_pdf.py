"""The PDFs of ``make pdf`` (_ext/pdf.py): the book's PDF has its chapters in the order of _toc.yml, a
contents page whose numbers are the chapters' pages, as many numbered figures as the site, no
unresolved reference and no raw TeX, internal links; each chapter's PDF holds the code the site folds;
the site links the PDFs; bad input gets a clear message.

The fixture runs ``make pdf`` once (after the strict build); the unit tests run on a two-page site.
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import ROOT, make_ok

sys.path.insert(0, str(ROOT / "_ext"))
import pdf  # noqa: E402

pypdf = pytest.importorskip("pypdf")
PDF_DIR = ROOT / "_build" / "pdf"


@pytest.fixture(scope="session")
def pdf_build(built_site):
    make_ok("pdf")
    return PDF_DIR


def text_of(path: Path) -> list[str]:
    """Each page's text; read once per printing (the book's PDF takes pypdf about 40 s)."""
    return list(_text_of(str(path), path.stat().st_mtime_ns))


@functools.cache
def _text_of(path: str, mtime_ns: int) -> tuple[str, ...]:
    return tuple(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)


def squash(text: str) -> str:
    """No spaces; ligatures (ﬀ) and math letters as plain letters (NFKC)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def book_docs():
    root, parts = pdf.read_toc()
    return root, [d for p in parts for d in p.docs if d not in pdf.NOT_IN_BOOK], parts


# ---- the book ----------------------------------------------------------------------------------------


def test_book_has_the_chapters_in_order(pdf_build, built_site):
    _root, docs, parts = book_docs()
    outline = pdf.outline_pages(pdf_build / pdf.BOOK_PDF)
    titles = [pdf.heading_text(pdf.article(built_site, d).find("h1")) for d in docs]
    missing = [t for t in titles if pdf.outline_key(t) not in outline]
    assert not missing, f"chapters missing from the PDF's outline: {missing}"
    pages = [outline[pdf.outline_key(t)] for t in titles]
    assert pages == sorted(pages) and len(set(pages)) == len(pages), list(zip(titles, pages))
    assert all(pdf.outline_key(p.caption) in outline for p in parts if p.docs)


def outline_titles(path: Path) -> list[str]:
    titles = []

    def walk(items):
        for item in items:
            walk(item) if isinstance(item, list) else titles.append(str(item.title))

    walk(pypdf.PdfReader(path).outline)
    return titles


def test_outline_titles_are_the_headings(pdf_build, built_site):
    """Chromium writes a heading carried to the next page twice in the outline ("The dataThe data") and
    drops the space where a heading wraps; pdf.tidy_outline mends both in every PDF."""
    titles = {title for path in sorted(pdf_build.glob("*.pdf")) for title in outline_titles(path)}
    doubled = [title for title in titles if pdf.doubled(title)]
    assert not doubled, doubled
    headings = {pdf.heading_text(h) for page in built_site.rglob("*.html")
                for h in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select(
                    "article h1, article h2, article h3, article h4, article h5")}
    wrapped = [title for title in titles if title not in headings
               and any(pdf.outline_key(title) == pdf.outline_key(h) for h in headings)]
    assert not wrapped, f"outline titles that lost a space: {wrapped}"


def test_contents_page_numbers_are_the_chapters_pages(pdf_build, built_site):
    _root, docs, _parts = book_docs()
    outline = pdf.outline_pages(pdf_build / pdf.BOOK_PDF)
    contents = "\n".join(text_of(pdf_build / pdf.BOOK_PDF)[1:4])
    for doc in docs:
        title = pdf.heading_text(pdf.article(built_site, doc).find("h1"))
        page = outline[pdf.outline_key(title)]
        lines = {squash(line) for line in contents.splitlines()}
        assert squash(title) + str(page) in lines, f"contents: {title!r} should say page {page}"


def test_book_has_no_unresolved_reference_or_raw_tex(pdf_build, built_site):
    """Outside code (a matplotlib label may hold TeX: ``r"$\\theta_A$"``), no TeX in the text."""
    root, docs, _parts = book_docs()
    code = squash(" ".join(pre.get_text() for d in [root] + docs for pre in pdf.article(built_site, d).select("pre")))
    for number, text in enumerate(text_of(pdf_build / pdf.BOOK_PDF), start=1):
        assert "??" not in text, f"page {number}: an unresolved reference ('??')"
        for line in text.splitlines():
            raw = re.search(r"\$\\|\\(frac|mathrm|widehat|sigma|tau|begin)\b", line)
            assert raw is None or squash(line) in code, f"page {number}: raw TeX in {line!r}"


def test_book_has_as_many_numbered_figures_as_the_site(pdf_build, built_site):
    _root, docs, _parts = book_docs()
    site = sorted({span.get_text(strip=True) for d in docs
                   for span in pdf.article(built_site, d).select("figcaption span.caption-number")})
    text = squash("\n".join(text_of(pdf_build / pdf.BOOK_PDF)))
    missing = [n for n in site if squash(n) not in text]
    assert site and not missing, f"figure captions missing from the PDF: {missing}"


def test_book_links_stay_inside_the_book(pdf_build):
    reader = pypdf.PdfReader(pdf_build / pdf.BOOK_PDF)
    internal, outside = 0, []
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            uri = action.get("/URI") if action else None
            if uri is None:
                internal += 1
            elif not str(uri).startswith(("http://", "https://", "mailto:")):
                outside.append(str(uri))
    assert internal > 100 and not outside, (internal, outside[:5])


# ---- the chapters ------------------------------------------------------------------------------------


def chapters_with_code(site: Path) -> list[str]:
    _root, docs, _parts = book_docs()
    return [d for d in docs if pdf.article(site, d).select_one("div.cell")]


def test_every_chapter_has_a_pdf_with_its_folded_code(pdf_build, built_site):
    for doc in chapters_with_code(built_site):
        path = pdf_build / f"{pdf._slug(doc)}.pdf"
        assert path.is_file(), f"no {path.name}"
        text = squash("\n".join(text_of(path)))
        title = pdf.heading_text(pdf.article(built_site, doc).find("h1"))
        assert squash(title) in text[:400], f"{path.name} does not start with its title"
        for folded in pdf.article(built_site, doc).select("details pre")[:3]:
            line = next(line for line in folded.get_text().splitlines() if line.strip())
            assert squash(line) in text, f"{path.name}: folded code {line!r} not printed"


def test_site_links_the_pdfs(pdf_build, built_site):
    chapter = chapters_with_code(built_site)[0]
    soup = BeautifulSoup((built_site / f"{chapter}.html").read_text(encoding="utf-8"), "html.parser")
    link = soup.select_one(f'a[href$="pdf/{pdf._slug(chapter)}.pdf"]')
    assert link is not None, "the chapter's download menu does not link its PDF"
    assert (built_site / "pdf" / f"{pdf._slug(chapter)}.pdf").is_file()
    guide = BeautifulSoup((built_site / "book" / "instructors.html").read_text(encoding="utf-8"), "html.parser")
    listed = {a["href"].rsplit("/", 1)[-1] for a in guide.select("ul.pdf-list a")}
    assert "book.pdf" in listed and f"{pdf._slug(chapter)}.pdf" in listed


# ---- unit tests on a tiny site -----------------------------------------------------------------------

PAGE = """<html><head><link rel="stylesheet" href="../_static/x.css"></head><body>
<article class="bd-article"><section id="one"><h1>One<a class="headerlink" href="#one">#</a></h1>
<details class="hide above-input"><summary>Show code cell source</summary><pre>x = 1</pre></details>
<p><a href="two.html#sec">two</a> <a href="#one">here</a> <a href="../_notebooks/one.zip">zip</a>
<a href="https://example.org/">web</a></p><img src="../_images/a.png" loading="lazy"></section></article>
</body></html>"""


@pytest.fixture
def tiny_site(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "one.html").write_text(PAGE)
    (tmp_path / "book" / "two.html").write_text(PAGE.replace("One", "Two").replace('id="one"', 'id="two"'))
    return tmp_path


def test_prepare_unfolds_code_and_keeps_links_inside_the_book(tiny_site):
    node = pdf.prepare(pdf.article(tiny_site, "book/one"), tiny_site, "book/one",
                       {"book/one", "book/two"}, prefix_ids=True)
    html = str(node)
    assert "<details" not in html and "Show code cell source" not in html and "x = 1" in html
    assert 'href="#two--sec"' in html and 'href="#one--one"' in html and 'id="one--one"' in html
    assert node.find("a", href=re.compile(r"\.zip$")) is None and "zip" in node.get_text()
    assert 'href="https://example.org/"' in html and "headerlink" not in html
    assert 'loading=' not in html and "file://" in node.find("img")["src"]


def test_prepare_for_a_chapter_unlinks_other_pages(tiny_site):
    node = pdf.prepare(pdf.article(tiny_site, "book/one"), tiny_site, "book/one", {"book/one"},
                       prefix_ids=False)
    assert node.find("a", href="two.html#sec") is None and "two" in node.get_text()
    assert node.find("a", href="#one") is not None
    published = pdf.prepare(pdf.article(tiny_site, "book/one"), tiny_site, "book/one", {"book/one"},
                            prefix_ids=False, base_url="https://book.example/")
    assert published.find("a", href="https://book.example/book/two.html#sec") is not None


def test_bad_input_is_named(tiny_site, tmp_path):
    with pytest.raises(pdf.PdfError, match="not found: build the site first"):
        pdf.article(tiny_site, "book/three")
    (tiny_site / "book" / "bare.html").write_text("<html><body><p>no article</p></body></html>")
    with pytest.raises(pdf.PdfError, match="no <article"):
        pdf.article(tiny_site, "book/bare")
    (tmp_path / "toc.yml").write_text("format: jb-book\n")
    with pytest.raises(pdf.PdfError, match="no 'root' entry"):
        pdf.read_toc(tmp_path / "toc.yml")


def test_command_line_names_a_missing_site(tmp_path):
    proc = subprocess.run([sys.executable, str(ROOT / "_ext" / "pdf.py"), str(tmp_path / "nowhere"),
                           str(tmp_path / "out")], capture_output=True, text=True)
    assert proc.returncode != 0 and "build the site first" in proc.stderr


def test_tidy_outline_writes_a_doubled_title_once(tmp_path):
    writer = pypdf.PdfWriter()
    for _ in range(2):
        writer.add_blank_page(width=200, height=200)
    chapter = writer.add_outline_item(title="ChapterChapter", page_number=0)
    writer.add_outline_item(title="The dataThe data", page_number=1, parent=chapter)
    writer.add_outline_item(title="a bridge topartial pooling", page_number=1, parent=chapter)
    writer.add_outline_item(title="Key takeaways", page_number=1, parent=chapter)
    path = tmp_path / "doubled.pdf"
    writer.write(path)
    headings = ["Chapter", "The data", "a bridge to partial pooling", "Key takeaways"]
    assert pdf.tidy_outline(path, headings) == 3
    assert outline_titles(path) == headings
    assert pdf.tidy_outline(path, headings) == 0
    assert pdf.doubled("aa") == "a" and pdf.doubled("abab") == "ab"
    assert pdf.doubled("") is None and pdf.doubled("abc") is None and pdf.doubled("abba") is None
