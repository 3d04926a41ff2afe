"""The book on paper: one PDF of the whole book and one per chapter (``make pdf``).

What it does for a reader: instructors print chapters and set readings; learners read offline and
annotate. ``make pdf`` prints the built site with Debian's Chromium (driven by Playwright, as the browser
tests are) into ``_build/pdf/``: ``book.pdf`` (title page, contents with page numbers, the parts and
chapters in the order of ``_toc.yml``, exercises with their solutions under them, the glossary and the
bibliography, internal links and a PDF outline) and ``<chapter>.pdf`` for each page with code. Figures,
tables, equations and exercises carry the site's numbers because they are the site's HTML; code cells
folded on the site (``hide-input``) are printed, and long code lines wrap instead of being cut. The
site links the PDFs when they exist (:func:`setup`, a Sphinx extension: ``make book`` after ``make pdf``).

Why no package does it: Jupyter Book 1's ``pdfhtml`` builder prints a ``singlehtml`` build through
pyppeteer, which is unmaintained since 2022 and downloads its own Chromium (this machine cannot); its
``pdflatex`` builder needs TeX Live (about 1 GB of Debian packages for xelatex and the LaTeX packages
Sphinx uses) and LaTeX writers for the book's own nodes (the chapter header, glue, the MathML renderer).
Printing the pages the reader already sees keeps one rendering of every number and figure. How: each
page's ``<article>`` is read with BeautifulSoup (already installed with the theme); ids get the page's
name as a prefix so that the whole book is one HTML document whose links stay inside it; folded code is
unfolded; links to the site's other files become plain text; pypdf reads the first printing's outline to
write the page numbers into the contents, and the book is printed again.

Run as ``python _ext/pdf.py [SITE] [OUT]`` (defaults ``_build/html`` and ``_build/pdf``).
"""

from __future__ import annotations

import argparse
import html
import posixpath
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from docutils import nodes

ROOT = Path(__file__).resolve().parent.parent
PRINT_CSS = Path(__file__).with_name("pdf.css")
BOOK_PDF = "book.pdf"
#: Pages left out of the book's PDF: the execution statistics describe a build, not the book.
NOT_IN_BOOK = {"book/exec_stats"}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
FOOTER = ('<div style="font-size:8px;width:100%;text-align:center;color:#555">'
          '{left}<span class="pageNumber"></span></div>')


class PdfError(RuntimeError):
    """What went wrong, in words a maintainer can act on."""


@dataclass
class Part:
    caption: str
    docs: list[str]


def read_toc(toc_path: Path = ROOT / "_toc.yml") -> tuple[str, list[Part]]:
    """The root document and the parts of ``_toc.yml``, each with its documents in order."""
    import yaml

    toc = yaml.safe_load(Path(toc_path).read_text(encoding="utf-8"))
    if not isinstance(toc, dict) or "root" not in toc:
        raise PdfError(f"{toc_path}: no 'root' entry")
    parts = [Part(p.get("caption", ""), [_doc(c["file"]) for c in p.get("chapters", [])])
             for p in toc.get("parts", [])]
    return _doc(toc["root"]), parts


def _doc(name: str) -> str:
    return re.sub(r"\.(md|ipynb)$", "", name)


def _slug(doc: str) -> str:
    return doc.rsplit("/", 1)[-1]


# ---- one page's article, ready to print --------------------------------------------------------------


def article(site: Path, doc: str):
    """The ``<article>`` of a built page (a BeautifulSoup tag), or a PdfError naming the file."""
    from bs4 import BeautifulSoup

    page = site / f"{doc}.html"
    if not page.is_file():
        raise PdfError(f"{page} not found: build the site first (make book)")
    soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
    found = soup.select_one("article.bd-article")
    if found is None:
        raise PdfError(f"{page}: no <article class='bd-article'>: is it a page of this book?")
    return found


def prepare(node, site: Path, doc: str, docs_in_pdf: set[str], prefix_ids: bool,
            base_url: str = ""):
    """Make a page's article printable, in place.

    - Folded code (``<details>``, the site's "Show code cell source") is shown; copy buttons and the
      heading anchors ("#") go; images load eagerly from their files.
    - With ``prefix_ids`` (the whole book), every id becomes ``<page>--<id>`` and every link to a page in
      ``docs_in_pdf`` points inside the document. Other links to the site's own files become plain text,
      or web links when the book is published (``base_url``, Sphinx's ``html_baseurl``).
    """
    page_dir = posixpath.dirname(doc)
    for tag in node.select("a.headerlink, button, .notebook-downloads, .toctree-wrapper, summary"):
        tag.decompose()
    for details in node.find_all("details"):
        details.name = "div"
        details["class"] = [*details.get("class", []), "unfolded"]
    for img in node.find_all("img"):
        img.attrs.pop("loading", None)
        img["src"] = (site / page_dir / img["src"]).resolve().as_uri()
    if prefix_ids:
        for tag in node.find_all(id=True):
            tag["id"] = f"{_slug(doc)}--{tag['id']}"
    for link in node.find_all("a", href=True):
        href = link["href"]
        if re.match(r"^[a-z][a-z0-9+.-]*:", href):  # http:, https:, mailto:
            continue
        path, _, fragment = href.partition("#")
        target = posixpath.normpath(posixpath.join(page_dir, path)) if path else doc
        target = re.sub(r"\.html$", "", target)
        if target in docs_in_pdf and (prefix_ids or target == doc):
            link["href"] = (f"#{_slug(target)}--{fragment}" if fragment else f"#{_slug(target)}") \
                if prefix_ids else f"#{fragment}"
        elif base_url and path.endswith(".html"):
            link["href"] = base_url.rstrip("/") + "/" + target + ".html" + (f"#{fragment}" if fragment else "")
        else:
            link.unwrap()
    return node


def demote_headings(node) -> None:
    """h1 -> h2 ... h5 -> h6, so that parts are the outline's top level and chapters sit under them."""
    for level in range(5, 0, -1):
        for heading in node.find_all(f"h{level}"):
            heading.name = f"h{level + 1}"


def heading_text(node) -> str:
    """A heading's words, without Sphinx's "#" link to it."""
    texts = [t for t in node.find_all(string=True) if not t.find_parent("a", class_="headerlink")]
    return " ".join(" ".join(texts).split())


# ---- documents ---------------------------------------------------------------------------------------


def _stylesheet(site: Path, doc: str) -> str:
    """The site's own stylesheet (the one the page links), then the print stylesheet."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((site / f"{doc}.html").read_text(encoding="utf-8"), "html.parser")
    links = []
    for link in soup.select('link[rel="stylesheet"]'):
        href = link["href"].split("?")[0]
        links.append(f'<link rel="stylesheet" href="{(site / posixpath.dirname(doc) / href).resolve().as_uri()}">')
    return "\n".join(links) + f"\n<style>\n{PRINT_CSS.read_text(encoding='utf-8')}\n</style>"


def html_document(title: str, head: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en" data-theme="light" data-mode="light"><head>'
            f'<meta charset="utf-8"><title>{html.escape(title)}</title>\n{head}</head>\n'
            f'<body class="pdf">\n{body}\n</body></html>\n')


def book_title(site: Path, root: str) -> str:
    return heading_text(article(site, root).find("h1"))


def book_document(site: Path, root: str, parts: list[Part], pages: dict[str, int] | None = None) -> str:
    """The whole book as one HTML document; ``pages`` (title -> page) fills in the contents."""
    included = [root] + [d for p in parts for d in p.docs if d not in NOT_IN_BOOK]
    in_pdf = set(included)
    title = book_title(site, root)
    pages = pages or {}

    def number(text):
        return f'<span class="toc-page">{pages.get(outline_key(text), "")}</span>'

    body = [f'<section class="title-page"><p class="book-title">{html.escape(title)}</p>'
            '<p class="book-subtitle">An open online textbook</p>'
            f'<p class="book-date">Printed from the website on {time.strftime("%Y-%m-%d")}</p>'
            '<p class="book-license">Code: MIT License. Text and figures: CC BY 4.0.</p></section>']
    contents, chapters = [], []
    front = prepare(article(site, root), site, root, in_pdf, prefix_ids=True)
    front.find("h1").string = "About this book"
    for section in front.find_all("section"):  # the landing page's list of chapters: the contents above
        if section.get("id", "").endswith("--contents"):
            section.decompose()
    demote_headings(front)
    chapters.append(f'<section class="chapter" id="{_slug(root)}">{front.decode_contents()}</section>')
    contents.append(f'<li><a href="#{_slug(root)}">About this book</a>{number("About this book")}</li>')
    for index, part in enumerate(parts):
        docs = [d for d in part.docs if d not in NOT_IN_BOOK]
        if not docs:
            continue
        part_id = f"part-{index + 1}"
        chapters.append(f'<section class="part" id="{part_id}"><h1>{html.escape(part.caption)}</h1></section>')
        items = []
        for doc in docs:
            node = prepare(article(site, doc), site, doc, in_pdf, prefix_ids=True)
            demote_headings(node)
            chapter_title = heading_text(node.find("h2"))
            chapters.append(f'<section class="chapter" id="{_slug(doc)}">{node.decode_contents()}</section>')
            items.append(f'<li><a href="#{_slug(doc)}">{html.escape(chapter_title)}</a>{number(chapter_title)}</li>')
        contents.append(f'<li class="toc-part"><a href="#{part_id}">{html.escape(part.caption)}</a>'
                        f'{number(part.caption)}<ul>{"".join(items)}</ul></li>')
    body.append(f'<nav class="contents"><h1 class="contents-title">Contents</h1><ul>{"".join(contents)}</ul></nav>')
    body.extend(chapters)
    return html_document(title, _stylesheet(site, root), "\n".join(body))


def chapter_document(site: Path, root: str, doc: str, base_url: str = "") -> str:
    node = prepare(article(site, doc), site, doc, {doc}, prefix_ids=False, base_url=base_url)
    title = book_title(site, root)
    body = (f'<p class="from-book">From <em>{html.escape(title)}</em></p>'
            f'<section class="chapter single">{node.decode_contents()}</section>')
    return html_document(f"{heading_text(node.find('h1'))} ({title})", _stylesheet(site, doc), body)


def answer_key_document(site: Path, root: str, parts: list[Part]) -> str:
    """The exercises and their executed solutions, chapter by chapter, numbered as in the book."""
    title = book_title(site, root)
    body = [f'<section class="title-page"><p class="book-title">{html.escape(title)}</p>'
            '<p class="book-subtitle">Answer key: the exercises and their solutions</p>'
            f'<p class="book-date">Printed on {time.strftime("%Y-%m-%d")}</p></section>']
    for part in parts:
        for doc in part.docs:
            node = article(site, doc)
            blocks = node.select("div.exercise, div.solution")
            if not blocks:
                continue
            prepare(node, site, doc, {doc}, prefix_ids=False)
            chapter_title = heading_text(node.find("h1"))
            body.append(f'<section class="chapter"><h1>{html.escape(chapter_title)}</h1>'
                        + "".join(str(b) for b in node.select("div.exercise, div.solution")) + "</section>")
    return html_document(f"{title}: answer key", _stylesheet(site, root), "\n".join(body))


# ---- printing ----------------------------------------------------------------------------------------


def outline_key(title: str) -> str:
    """A title without its spaces: Chromium's outline drops the space where a long heading wraps."""
    return re.sub(r"\s+", "", title)


def outline_pages(pdf: Path) -> dict[str, int]:
    """Title (as :func:`outline_key` writes it) -> first page (1-based) of each entry of a PDF's outline."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    found: dict[str, int] = {}

    def walk(items):
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                found.setdefault(outline_key(str(item.title)), reader.get_destination_page_number(item) + 1)

    walk(reader.outline)
    return found


def doubled(title: str) -> str | None:
    """The title once, if ``title`` is one title written twice ("The dataThe data"), else None."""
    half = len(title) // 2
    return title[:half] if title and len(title) % 2 == 0 and title[:half] == title[half:] else None


def tidy_outline(pdf: Path, headings: list[str] = ()) -> int:
    """Mend two faults of Chromium's outline: a heading carried to the next page to stay with its text
    (CSS ``break-after: avoid``) is written twice ("The dataThe data"), and a heading that wraps loses
    the space at the wrap ("a bridge topartial pooling"); each title becomes the printed page's own
    heading of the same letters (``headings``), written once. Returns how many titles were mended; the
    file is rewritten only if there were any."""
    from pypdf import PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    writer = PdfWriter(clone_from=pdf)
    by_key = {outline_key(h): h for h in headings}
    mended = 0

    def walk(item):
        nonlocal mended
        while item is not None:
            item = item.get_object()
            title = str(item.get("/Title", ""))
            once = doubled(title) or title
            right = by_key.get(outline_key(once), once)
            if right != title:
                item[NameObject("/Title")] = TextStringObject(right)
                mended += 1
            walk(item.get("/First"))
            item = item.get("/Next")

    outlines = writer.root_object.get("/Outlines")
    if outlines is not None:
        walk(outlines.get_object().get("/First"))
    if mended:
        writer.write(pdf)
    return mended


class Printer:
    """Debian's Chromium, opened once, printing HTML files to PDF."""

    def __enter__(self):
        from playwright.sync_api import sync_playwright

        if not Path(CHROMIUM).exists():
            raise PdfError(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        self._page = self._browser.new_page()
        return self

    def __exit__(self, *exc):
        self._browser.close()
        self._playwright.stop()

    def print(self, source: Path, target: Path, footer_left: str = "") -> Path:
        self._page.goto(source.as_uri(), wait_until="load", timeout=120_000)
        self._page.emulate_media(media="print")
        target.parent.mkdir(parents=True, exist_ok=True)
        self._page.pdf(path=str(target), format="A4", print_background=True, outline=True, tagged=True,
                       display_header_footer=True, header_template="<span></span>",
                       footer_template=FOOTER.format(left=html.escape(footer_left)),
                       margin={"top": "16mm", "bottom": "16mm", "left": "15mm", "right": "15mm"})
        from bs4 import BeautifulSoup

        soup = BeautifulSoup(source.read_text(encoding="utf-8"), "html.parser")
        tidy_outline(target, [heading_text(h) for h in soup.find_all(re.compile(r"^h[1-6]$"))])
        return target


def build(site: Path, out: Path, base_url: str = "", only: list[str] | None = None,
          toc: Path = ROOT / "_toc.yml") -> list[Path]:
    """Print the book and each chapter into ``out``; return the files written."""
    site, out = Path(site), Path(out)
    root, parts = read_toc(toc)
    article(site, root)  # fails early, with the reason, when there is no built site
    chapters = [d for p in parts for d in p.docs if d not in NOT_IN_BOOK
                and (site / f"{d}.html").is_file() and article(site, d).select_one("div.cell")]
    if only:
        unknown = sorted(set(only) - {_slug(d) for d in chapters})
        if unknown:
            raise PdfError(f"no chapter with code named {', '.join(unknown)}")
        chapters = [d for d in chapters if _slug(d) in only]
    written = []
    with tempfile.TemporaryDirectory() as tmp, Printer() as printer:
        tmp = Path(tmp)
        for doc in chapters:
            source = tmp / f"{_slug(doc)}.html"
            source.write_text(chapter_document(site, root, doc, base_url), encoding="utf-8")
            written.append(printer.print(source, out / f"{_slug(doc)}.pdf"))
        if not only:
            source = tmp / "book.html"
            source.write_text(book_document(site, root, parts), encoding="utf-8")
            first = printer.print(source, tmp / "first.pdf")
            source.write_text(book_document(site, root, parts, outline_pages(first)), encoding="utf-8")
            written.append(printer.print(source, out / BOOK_PDF))
    return written


def build_answer_key(site: Path, target: Path, toc: Path = ROOT / "_toc.yml") -> Path:
    root, parts = read_toc(toc)
    with tempfile.TemporaryDirectory() as tmp, Printer() as printer:
        source = Path(tmp) / "answer-key.html"
        source.write_text(answer_key_document(Path(site), root, parts), encoding="utf-8")
        return printer.print(source, Path(target), footer_left="Answer key · ")


# ---- the site links the PDFs (a Sphinx extension) ----------------------------------------------------

PDF_DIR = "pdf"  # in the site, and beside it in _build (make pdf writes _build/pdf)
#: The section of the instructor guide that lists the PDFs (its heading's id).
INSTRUCTOR_SECTION = "printed-copies"


def _available(app) -> dict[str, Path]:
    folder = Path(app.outdir).parent / PDF_DIR
    return {p.stem: p for p in sorted(folder.glob("*.pdf"))} if folder.is_dir() else {}


def note_pdfs(app, config) -> None:
    """Record which PDFs exist (and when they were made): when that changes, Sphinx writes every page
    again (a config value of rebuild type "html"), so ``make book`` after ``make pdf`` links them."""
    config.book_pdfs = tuple((name, path.stat().st_mtime_ns) for name, path in _available(app).items())


def pdf_button(app, pagename, templatename, context, doctree) -> None:
    """The header's download menu: this chapter's PDF (or the book's, on the landing page and the
    instructor guide) in place of the browser's print."""
    pdfs = dict(app.config.book_pdfs)
    name = _slug(pagename) if _slug(pagename) in pdfs else None
    if name is None and pagename in (app.config.root_doc, "book/instructors") and "book" in pdfs:
        name = "book"
    if name is None:
        return
    for group in context.get("header_buttons", []):
        if group.get("label") != "download-buttons":
            continue
        for button in group["buttons"]:
            if button.get("label") == "download-pdf-button":
                button.clear()
                button.update({"type": "link", "url": context["pathto"](f"{PDF_DIR}/{name}.pdf", 1),
                               "text": ".pdf", "icon": "fas fa-file-pdf",
                               "tooltip": "Download the book as a PDF" if name == "book"
                               else "Download this chapter as a PDF",
                               "label": "download-pdf-button"})


def list_pdfs(app, doctree, docname) -> None:
    """In the instructor guide's "Printed copies" section: a link to each PDF that exists."""
    pdfs = dict(app.config.book_pdfs)
    if docname != "book/instructors" or not pdfs:
        return
    section = next((s for s in doctree.findall(nodes.section) if INSTRUCTOR_SECTION in s["ids"]), None)
    if section is None:
        raise PdfError(f"{docname}: no section with id {INSTRUCTOR_SECTION!r} to list the PDFs in")
    prefix = "../" * docname.count("/") + PDF_DIR + "/"
    titles = {_slug(d): app.env.titles[d].astext() for d in app.env.found_docs if d in app.env.titles}
    items = [("book", "The whole book")] + [(n, titles.get(n, n)) for n in pdfs if n != "book"]
    html_list = "".join(f'<li><a href="{prefix}{n}.pdf">{html.escape(t)}</a></li>' for n, t in items if n in pdfs)
    section.append(nodes.raw("", f'<ul class="pdf-list">{html_list}</ul>', format="html"))


def copy_pdfs(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / PDF_DIR
    pdfs = _available(app)
    if pdfs:
        target.mkdir(exist_ok=True)
        for name, path in pdfs.items():
            shutil.copy2(path, target / f"{name}.pdf")


def setup(app):
    app.add_config_value("book_pdfs", (), "html")
    app.connect("config-inited", note_pdfs)
    app.connect("html-page-context", pdf_button, priority=900)
    app.connect("doctree-resolved", list_pdfs)
    app.connect("build-finished", copy_pdfs)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}


def published_address(config: Path = ROOT / "_config.yml") -> str:
    """Sphinx's ``html_baseurl`` from ``_config.yml`` ("" while the book is not published)."""
    import yaml

    data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    return ((data.get("sphinx") or {}).get("config") or {}).get("html_baseurl", "") or ""


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Print the built book to PDF (make pdf).")
    parser.add_argument("site", nargs="?", default=str(ROOT / "_build" / "html"))
    parser.add_argument("out", nargs="?", default=str(ROOT / "_build" / "pdf"))
    parser.add_argument("--chapter", action="append", help="only this chapter (slug); repeatable")
    parser.add_argument("--answer-key", metavar="PDF", help="print the answer key to this file instead")
    parser.add_argument("--toc", default=str(ROOT / "_toc.yml"), help="the table of contents (_toc.yml)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        if args.answer_key:
            written = [build_answer_key(Path(args.site), Path(args.answer_key), Path(args.toc))]
        else:
            written = build(Path(args.site), Path(args.out), base_url=published_address(),
                            only=args.chapter, toc=Path(args.toc))
    except PdfError as error:
        sys.exit(f"make pdf: {error}")
    size = sum(p.stat().st_size for p in written) / 1e6
    print(f"make pdf: {len(written)} PDFs ({size:.1f} MB) in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
