"""Every internal link in the built site resolves: for each ``<a href>`` that is relative, the target file
exists and, if the link has a ``#fragment``, the target page has an element with that id.

Pure Python over _build/html (no browser, no network). External links are ``make linkcheck``'s job.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup

# Vendored theme and extension files, not pages of the book.
SKIP_DIRS = {"_static", "_sources", "_images", "_notebooks"}


def html_pages(site_dir: Path) -> list[Path]:
    return sorted(
        p
        for p in site_dir.rglob("*.html")
        if not SKIP_DIRS.intersection(p.relative_to(site_dir).parts[:-1])
    )


@lru_cache(maxsize=None)
def _parse(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@lru_cache(maxsize=None)
def _anchors(path: Path) -> frozenset[str]:
    soup = _parse(path)
    ids = {el["id"] for el in soup.find_all(id=True)}
    names = {el["name"] for el in soup.find_all("a", attrs={"name": True})}
    return frozenset(ids | names)


def broken_links(site_dir: Path) -> tuple[int, list[str]]:
    """(number of internal links checked, one line per broken link)."""
    site_dir = Path(site_dir).resolve()
    checked, broken = 0, []
    for page in html_pages(site_dir):
        for a in _parse(page).find_all("a", href=True):
            href = a["href"].strip()
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or href.startswith("//"):
                continue  # external (http, mailto, javascript, ...): make linkcheck
            if not parts.path and not parts.fragment:
                continue  # href="" or href="#": the page itself, no anchor
            checked += 1
            where = f"{page.relative_to(site_dir)}: {href}"
            if parts.path:
                target = (page.parent / unquote(parts.path)).resolve()
                if target.is_dir():
                    target = target / "index.html"
            else:
                target = page
            if not target.is_relative_to(site_dir):
                broken.append(f"{where} -> points outside the site")
                continue
            if not target.is_file():
                broken.append(f"{where} -> {target.relative_to(site_dir)} does not exist")
                continue
            fragment = unquote(parts.fragment)
            if fragment and target.suffix == ".html" and fragment not in _anchors(target):
                broken.append(f"{where} -> no element with id {fragment!r} in {target.relative_to(site_dir)}")
    return checked, broken


def test_internal_links_resolve(site_dir):
    checked, broken = broken_links(site_dir)
    assert checked > 20, f"only {checked} internal links found in {site_dir}: is the site built?"
    assert not broken, f"{len(broken)} of {checked} internal links are broken:\n" + "\n".join(
        f"  - {line}" for line in broken
    )


def test_every_row_of_the_instructor_guides_tables_has_its_cells_in_columns(site_dir):
    """Each row has its text in the right columns: a chapter link first and, in the table of times,
    whole minutes in the last two (a "|" inside a chapter's objectives once split a cell and shifted
    the rest of the row; Markdown tables then drop the cells past the header's count)."""
    import re

    html = (site_dir / "book" / "instructors.html").read_text(encoding="utf-8")
    tables = re.findall(r"<table\b.*?</table>", html, re.S)
    assert len(tables) >= 2
    timed = 0
    for table in tables:
        rows = re.findall(r"<tr\b.*?</tr>", table, re.S)
        cells = [re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, re.S) for row in rows]
        header = [re.sub(r"<[^>]+>", "", c).strip() for c in cells[0]]
        assert len(rows) > 1 and len({len(c) for c in cells}) == 1
        for row in cells[1:]:
            assert 'class="reference internal"' in row[0], row[0]
            if "Reading (min)" in header:
                minutes = [re.sub(r"<[^>]+>", "", c).strip() for c in row[-2:]]
                assert all(m.isdigit() for m in minutes), row
                timed += 1
    assert timed >= 16


def test_no_page_shows_raw_tex(site_dir):
    """Math is MathML; TeX left in the text (a bibliography title, a citation's tooltip) reads as
    "$\\widehat R$". Code blocks may hold TeX (matplotlib labels), so they are left out."""
    import re

    found = []
    for page in sorted(site_dir.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        html = re.sub(r"<(pre|code|script|style|math)\b.*?</\1>", "", html, flags=re.S)
        if re.search(r"\$\\|\\(widehat|frac|mathrm|tau|sigma)\b", html):
            found.append(page.relative_to(site_dir).as_posix())
    assert not found, f"raw TeX in {found}"


def test_no_page_repeats_a_log_message(site_dir):
    """A library's log message (a cell's stderr output) is shown once on a page: the same line repeated
    in later cells (arviz-stats' psense_summary logs its pointer on every call) is noise a reader scrolls
    past. Lines of 30 characters or fewer (progress fragments) are left out."""
    from collections import Counter

    from bs4 import BeautifulSoup

    repeated = []
    for page in sorted(site_dir.rglob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        lines = Counter(line.strip() for output in soup.select("div.output.stderr")
                        for line in output.get_text().splitlines() if len(line.strip()) > 30)
        repeated += [f"{page.relative_to(site_dir).as_posix()}: {n} times: {line}"
                     for line, n in lines.items() if n > 1]
    assert not repeated, "log lines repeated on a page:\n" + "\n".join(repeated)
